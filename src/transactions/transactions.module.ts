import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Roles } from '../common/roles';
import { ConsentEntity } from './entities/consent.entity';
import { PaymentAnomalyEntity } from './entities/payment-anomaly.entity';
import { PaymentAttemptEntity } from './entities/payment-attempt.entity';
import { PaymentStatusHistoryEntity } from './entities/payment-status-history.entity';
import { PaymentEntity } from './entities/payment.entity';
import { PaymentClaims } from './payment-claims';
import { PaymentEvents } from './payment-events';
import { PaymentStateService } from './payment-state.service';
import { CheckoutSessionsController } from './checkout-sessions.controller';
import { CreateCheckoutSession } from './usecases/create-checkout-session';
import { FulfilmentEntity } from '../fulfilment/fulfilment.entity';
import { ReconciliationWorker } from './reconciliation.worker';
import { CheckoutSessionExpiry } from './session-expiry';
import { TransactionsController } from './transactions.controller';
import { ConfirmTransaction } from './usecases/confirm-transaction';
import { CreateTransaction } from './usecases/create-transaction';
import { ReadTransactions } from './usecases/read-transactions';
import { PaymentResolver } from './usecases/resolve-payment';
import { VoidTransaction } from './usecases/void-transaction';

const ENTITIES = [
  PaymentEntity,
  PaymentAttemptEntity,
  PaymentStatusHistoryEntity,
  PaymentAnomalyEntity,
  ConsentEntity,
  FulfilmentEntity,
];

/**
 * Payments: the HTTP API (api role), the state machine every role applies Wompi reports with,
 * and the resolution of ambiguous creates plus the stale-payment poller (worker role).
 */
@Module({})
export class TransactionsModule {
  static forRole(roles: Roles): DynamicModule {
    return {
      module: TransactionsModule,
      global: true,
      imports: [TypeOrmModule.forFeature(ENTITIES)],
      providers: [
        PaymentClaims,
        PaymentEvents,
        PaymentStateService,
        PaymentResolver,
        CreateTransaction,
        ReadTransactions,
        ConfirmTransaction,
        VoidTransaction,
        CreateCheckoutSession,
        ...(roles.worker ? [CheckoutSessionExpiry, ReconciliationWorker] : []),
      ],
      controllers: roles.api ? [TransactionsController, CheckoutSessionsController] : [],
      exports: [PaymentStateService, PaymentResolver, TypeOrmModule],
    };
  }
}
