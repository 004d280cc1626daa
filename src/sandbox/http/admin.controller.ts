import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put } from '@nestjs/common';
import { parseFaults } from '../domain/faults';
import { SandboxRuntime } from '../sandbox-runtime';
import { SandboxControl } from '../services/sandbox-control.service';
import { TransactionsService } from '../services/transactions.service';
import { objectBody } from './body';

type Obj = Record<string, unknown>;

/** `/__sandbox`: test-only controls (no auth). Not part of Wompi's API. */
@Controller('__sandbox')
export class AdminController {
  constructor(
    @Inject(SandboxRuntime) private readonly rt: SandboxRuntime,
    @Inject(SandboxControl) private readonly control: SandboxControl,
    @Inject(TransactionsService) private readonly transactions: TransactionsService,
  ) {}

  @Post('reset')
  @HttpCode(200)
  reset(): Obj {
    this.control.reset();
    return { status: 'reset' };
  }

  @Get('faults')
  faults(): Obj {
    return this.rt.faults.get() as Obj;
  }

  @Put('faults')
  setFaults(@Body() body: unknown): Obj {
    this.rt.faults.set(parseFaults(objectBody(body)));
    return this.rt.faults.get() as Obj;
  }

  @Get('deliveries')
  deliveries(): unknown[] {
    return this.rt.store.deliveries.map((d) => ({ ...d }));
  }

  @Post('transactions/:id/decide')
  @HttpCode(200)
  decide(@Param('id') id: string, @Body() body: unknown): Obj {
    return this.transactions.decide(id, objectBody(body).status);
  }

  @Post('daviplata/:id/send_otp')
  @HttpCode(200)
  sendOtp(@Param('id') id: string): Obj {
    this.transactions.get(id);
    return { data: { id, otp_sent: true }, meta: {} };
  }

  @Post('daviplata/:id/validate_otp')
  @HttpCode(200)
  validateOtp(@Param('id') id: string, @Body() body: unknown): Obj {
    return this.transactions.daviplataOtp(id, objectBody(body).otp);
  }
}
