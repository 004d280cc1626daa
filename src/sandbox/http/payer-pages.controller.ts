import { Body, Controller, Get, Header, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { SandboxRuntime } from '../sandbox-runtime';
import { WompiError, wompiErrors } from '../domain/wompi-error';
import { TransactionRecord } from '../services/sandbox-store';
import { TransactionsService } from '../services/transactions.service';
import { objectBody } from './body';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const DAVIPLATA_PAGE = '/v1/payment_methods/redirect/daviplata';

/** The text of a refusal, for a page (the JSON API keeps Wompi's shapes). */
function refusalText(err: WompiError): string {
  const error = (err.body.error ?? {}) as { reason?: unknown; messages?: Record<string, unknown> };
  if (typeof error.reason === 'string') return error.reason;
  const first = Object.values(error.messages ?? {})[0];
  return Array.isArray(first) && typeof first[0] === 'string' ? first[0] : 'Solicitud rechazada';
}

/**
 * The page behind `async_payment_url` / `extra.url` (PSE, Bancolombia transfer, PCOL, BNPL,
 * Daviplata) and a Bancolombia transfer token's `authorization_url`: a bare form where the
 * "payer" picks the outcome (or, for Daviplata, asks for and enters the OTP), like Wompi's
 * sandbox pages.
 */
@Controller('v1/payment_methods/redirect')
export class PayerPagesController {
  constructor(
    @Inject(SandboxRuntime) private readonly rt: SandboxRuntime,
    @Inject(TransactionsService) private readonly transactions: TransactionsService,
  ) {}

  @Get(':method')
  @Header('content-type', 'text/html; charset=utf-8')
  page(@Req() req: Request): string {
    const tx = [...this.rt.store.transactions.values()].find((t) => {
      const extra = t.paymentMethod.extra;
      return [extra.async_payment_url, extra.url].some((u) => typeof u === 'string' && u.endsWith(req.originalUrl));
    });
    if (!tx) return this.tokenPage(req.originalUrl);
    if (tx.otp) return this.daviplataPage(tx);
    const buttons = ['APPROVED', 'DECLINED', 'ERROR']
      .map(
        (s) =>
          `<form method="post" action="/__sandbox/transactions/${escape(tx.id)}/decide"><button name="status" value="${s}">${s}</button></form>`,
      )
      .join('\n');
    return `<!doctype html><html lang="es"><head><title>Wompi sandbox</title></head><body>
<h1>Sandbox ${escape(tx.paymentMethodType)}</h1>
<p>Transacción ${escape(tx.id)} — referencia ${escape(tx.reference)} — ${tx.amountInCents} centavos COP — estado ${tx.status}</p>
${tx.status === 'PENDING' ? buttons : ''}
</body></html>`;
  }

  /**
   * The Daviplata page's two forms. Like Wompi's own page, it holds the payment's
   * `url_services.token` and calls the OTP service with it; the answer is the page again
   * (with the OTP service's status code and message).
   */
  @Post('daviplata/send_otp')
  @HttpCode(200)
  sendOtp(@Body() body: unknown, @Res() res: Response): void {
    this.daviplataAction(res, body, (tx) => {
      this.transactions.daviplataSendOtp(tx.id, `Bearer ${tx.otp!.bearer}`);
      return 'Enviamos un código de 6 dígitos a tu celular Daviplata.';
    });
  }

  @Post('daviplata/validate_otp')
  @HttpCode(200)
  validateOtp(@Body() body: unknown, @Res() res: Response): void {
    this.daviplataAction(res, body, (tx, fields) => {
      this.transactions.daviplataValidateOtp(tx.id, `Bearer ${tx.otp!.bearer}`, fields.otp);
      return `Pago ${tx.status}`;
    });
  }

  private daviplataAction(
    res: Response,
    body: unknown,
    act: (tx: TransactionRecord, fields: Record<string, unknown>) => string,
  ): void {
    const fields = objectBody(body);
    const tx = typeof fields.id === 'string' ? this.rt.store.transactions.get(fields.id) : undefined;
    if (!tx?.otp) throw wompiErrors.notFound();
    let status = 200;
    let notice: string;
    try {
      notice = act(tx, fields);
    } catch (err) {
      if (!(err instanceof WompiError)) throw err;
      status = err.status;
      notice = refusalText(err);
    }
    res.status(status).type('html').send(this.daviplataPage(tx, notice));
  }

  private daviplataPage(tx: TransactionRecord, notice?: string): string {
    const id = escape(tx.id);
    const forms = `<form method="post" action="${DAVIPLATA_PAGE}/send_otp"><input type="hidden" name="id" value="${id}"><button>Enviar código</button></form>
<form method="post" action="${DAVIPLATA_PAGE}/validate_otp"><input type="hidden" name="id" value="${id}"><label>Código OTP <input name="otp" inputmode="numeric" pattern="\\d{6}" maxlength="6" autocomplete="one-time-code" required></label><button>Pagar</button></form>`;
    return `<!doctype html><html lang="es"><head><title>Wompi sandbox</title></head><body>
<h1>Sandbox DAVIPLATA</h1>
<p>Transacción ${id} — referencia ${escape(tx.reference)} — ${tx.amountInCents} centavos COP — estado ${tx.status}</p>
${notice ? `<p role="status">${escape(notice)}</p>` : ''}
${tx.status === 'PENDING' ? forms : ''}
</body></html>`;
  }

  private tokenPage(url: string): string {
    const token = [...this.rt.store.bancolombiaTokens.values()].find((t) => t.authorizationUrl?.endsWith(url));
    if (!token) throw wompiErrors.notFound();
    const buttons = ['APPROVED', 'DECLINED']
      .map(
        (s) =>
          `<form method="post" action="/__sandbox/tokens/bancolombia_transfer/${escape(token.id)}/decide"><button name="status" value="${s}">${s}</button></form>`,
      )
      .join('\n');
    return `<!doctype html><html lang="es"><head><title>Wompi sandbox</title></head><body>
<h1>Sandbox BANCOLOMBIA_TRANSFER — inscripción de cuenta</h1>
<p>Token ${escape(token.id)} — estado ${token.status}</p>
${token.status === 'PENDING' ? buttons : ''}
</body></html>`;
  }
}
