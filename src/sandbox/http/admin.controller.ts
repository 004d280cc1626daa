import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Put } from '@nestjs/common';
import { parseFaults } from '../domain/faults';
import { SandboxRuntime } from '../sandbox-runtime';
import { LinkPaymentsService } from '../services/link-payments.service';
import { SandboxControl } from '../services/sandbox-control.service';
import { TokensService } from '../services/tokens.service';
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
    @Inject(TokensService) private readonly tokens: TokensService,
    @Inject(LinkPaymentsService) private readonly linkPayments: LinkPaymentsService,
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

  /** A silent change at Wompi (no webhook): `{status?, amount_in_cents?}`, for reconciliation tests. */
  @Post('transactions/:id/drift')
  @HttpCode(200)
  drift(@Param('id') id: string, @Body() body: unknown): Obj {
    return this.transactions.drift(id, objectBody(body));
  }

  /** The Widget's "reintento": another transaction with the same reference, finalised as `status`. */
  @Post('transactions/:id/retry')
  buyerRetry(@Param('id') id: string, @Body() body: unknown): Obj {
    return this.transactions.buyerRetry(id, objectBody(body).status);
  }

  /** A payer pays the link on its checkout page: body `{status?, amount_in_cents? (open links), customer_email?}`. */
  @Post('payment_links/:id/pay')
  payLink(@Param('id') id: string, @Body() body: unknown): Obj {
    return this.linkPayments.pay(id, objectBody(body ?? {}));
  }

  @Post('tokens/bancolombia_transfer/:id/decide')
  @HttpCode(200)
  decideBancolombiaToken(@Param('id') id: string, @Body() body: unknown): Obj {
    return this.tokens.decideBancolombiaToken(id, objectBody(body).status);
  }

  /**
   * The Daviplata OTP service (`url_services`), for a payment (transaction id) or a token
   * (`daviplata_test_…`); both want `Authorization: Bearer <url_services.token>`.
   */
  @Post('daviplata/:id/send_otp')
  @HttpCode(200)
  sendOtp(@Param('id') id: string, @Headers('authorization') authz: string | undefined): Obj {
    if (this.tokens.isDaviplataToken(id)) return this.tokens.daviplataSendOtp(id, authz);
    return this.transactions.daviplataSendOtp(id, authz);
  }

  @Post('daviplata/:id/validate_otp')
  @HttpCode(200)
  validateOtp(
    @Param('id') id: string,
    @Headers('authorization') authz: string | undefined,
    @Body() body: unknown,
  ): Obj {
    if (this.tokens.isDaviplataToken(id)) return this.tokens.daviplataValidateOtp(id, authz, objectBody(body).otp);
    return this.transactions.daviplataValidateOtp(id, authz, objectBody(body).otp);
  }
}
