import { Controller, Get, Header, Inject, Req } from '@nestjs/common';
import type { Request } from 'express';
import { SandboxRuntime } from '../sandbox-runtime';
import { wompiErrors } from '../domain/wompi-error';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The page behind `async_payment_url` / `extra.url` (PSE, Bancolombia transfer, PCOL, BNPL) and
 * a Bancolombia transfer token's `authorization_url`: a bare form where the "payer" picks the
 * outcome, like Wompi's sandbox pages.
 */
@Controller('v1/payment_methods/redirect')
export class PayerPagesController {
  constructor(@Inject(SandboxRuntime) private readonly rt: SandboxRuntime) {}

  @Get(':method')
  @Header('content-type', 'text/html; charset=utf-8')
  page(@Req() req: Request): string {
    const tx = [...this.rt.store.transactions.values()].find((t) => {
      const extra = t.paymentMethod.extra;
      return [extra.async_payment_url, extra.url].some((u) => typeof u === 'string' && u.endsWith(req.originalUrl));
    });
    if (!tx) return this.tokenPage(req.originalUrl);
    const buttons = ['APPROVED', 'DECLINED', 'ERROR']
      .map((s) => `<form method="post" action="/__sandbox/transactions/${escape(tx.id)}/decide"><button name="status" value="${s}">${s}</button></form>`)
      .join('\n');
    return `<!doctype html><html lang="es"><head><title>Wompi sandbox</title></head><body>
<h1>Sandbox ${escape(tx.paymentMethodType)}</h1>
<p>Transacción ${escape(tx.id)} — referencia ${escape(tx.reference)} — ${tx.amountInCents} centavos COP — estado ${tx.status}</p>
${tx.status === 'PENDING' ? buttons : ''}
</body></html>`;
  }

  private tokenPage(url: string): string {
    const token = [...this.rt.store.bancolombiaTokens.values()].find((t) => t.authorizationUrl?.endsWith(url));
    if (!token) throw wompiErrors.notFound();
    const buttons = ['APPROVED', 'DECLINED']
      .map((s) => `<form method="post" action="/__sandbox/tokens/bancolombia_transfer/${escape(token.id)}/decide"><button name="status" value="${s}">${s}</button></form>`)
      .join('\n');
    return `<!doctype html><html lang="es"><head><title>Wompi sandbox</title></head><body>
<h1>Sandbox BANCOLOMBIA_TRANSFER — inscripción de cuenta</h1>
<p>Token ${escape(token.id)} — estado ${token.status}</p>
${token.status === 'PENDING' ? buttons : ''}
</body></html>`;
  }
}
