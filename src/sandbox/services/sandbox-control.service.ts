import { Inject, Injectable } from '@nestjs/common';
import { SandboxRuntime } from '../sandbox-runtime';
import { TransactionsService } from './transactions.service';
import { WebhookService } from './webhook.service';

/** Reset = forget every transaction, token, source, link, delivery and fault; stop pending work. */
@Injectable()
export class SandboxControl {
  constructor(
    @Inject(SandboxRuntime) private readonly rt: SandboxRuntime,
    @Inject(WebhookService) private readonly webhooks: WebhookService,
    @Inject(TransactionsService) private readonly transactions: TransactionsService,
  ) {}

  reset(): void {
    this.rt.reset();
    this.webhooks.clear();
    this.transactions.clear();
  }
}
