import { DynamicModule, Module } from '@nestjs/common';
import { SandboxRuntime } from './sandbox-runtime';
import { AdminController } from './http/admin.controller';
import { PayerPagesController } from './http/payer-pages.controller';
import {
  MerchantsController,
  PaymentLinksController,
  PaymentSourcesController,
  PseController,
  TokensController,
  TransactionsController,
} from './http/wompi.controllers';
import { AcceptanceService } from './services/acceptance.service';
import { AuthService } from './services/auth.service';
import { LinkPaymentsService } from './services/link-payments.service';
import { MerchantService } from './services/merchant.service';
import { SandboxControl } from './services/sandbox-control.service';
import { SourcesLinksService } from './services/sources-links.service';
import { TokensService } from './services/tokens.service';
import { TransactionsService } from './services/transactions.service';
import { WebhookService } from './services/webhook.service';

/** The offline Wompi sandbox: Wompi's routes under `/v1`, test controls under `/__sandbox`. */
@Module({})
export class SandboxModule {
  static register(runtime: SandboxRuntime): DynamicModule {
    return {
      module: SandboxModule,
      controllers: [
        MerchantsController,
        TokensController,
        PseController,
        TransactionsController,
        PaymentSourcesController,
        PaymentLinksController,
        PayerPagesController,
        AdminController,
      ],
      providers: [
        { provide: SandboxRuntime, useValue: runtime },
        AuthService,
        AcceptanceService,
        WebhookService,
        TokensService,
        TransactionsService,
        SourcesLinksService,
        LinkPaymentsService,
        MerchantService,
        SandboxControl,
      ],
      exports: [SandboxControl],
    };
  }
}
