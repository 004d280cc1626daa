import { ArgumentsHost, Catch, ExceptionFilter, HttpException, NotFoundException } from '@nestjs/common';
import type { Response } from 'express';
import { SandboxLog } from '../sandbox-runtime';
import { WompiError } from '../domain/wompi-error';

/** Writes every answer in Wompi's shapes; unknown routes get the API gateway's `{"message":"Not Found"}`. */
@Catch()
export class WompiExceptionFilter implements ExceptionFilter {
  constructor(private readonly log: SandboxLog) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    if (exception instanceof WompiError) {
      res.status(exception.status).json(exception.body);
      return;
    }
    if (exception instanceof NotFoundException) {
      res.status(404).json({ message: 'Not Found' });
      return;
    }
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      // Body-parser refusals (malformed JSON, too large): Wompi's exact answer is unknown.
      res
        .status(exception.getStatus())
        .json({ error: { type: 'INPUT_VALIDATION_ERROR', reason: 'El cuerpo de la petición no es un JSON válido' } });
      return;
    }
    this.log.error(`unexpected error: ${exception instanceof Error ? exception.name : typeof exception}`);
    res.status(500).json({ error: { type: 'INTERNAL_SERVER_ERROR', reason: 'Error interno del sandbox' } });
  }
}
