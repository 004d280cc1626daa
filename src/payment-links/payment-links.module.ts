import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Roles } from '../common/roles';
import { PaymentLinkEntity } from './payment-link.entity';
import { PaymentLinksController } from './payment-links.controller';
import { CreatePaymentLink } from './usecases/create-payment-link';
import { DeactivatePaymentLink } from './usecases/deactivate-payment-link';
import { ReadPaymentLinks } from './usecases/read-payment-links';

/**
 * Wompi payment links created on callers' behalf (the private key stays here), owned per
 * caller. Their payments are claimed by the state machine (transactions/payment-claims.ts).
 */
@Module({})
export class PaymentLinksModule {
  static forRole(roles: Roles): DynamicModule {
    return {
      module: PaymentLinksModule,
      imports: [TypeOrmModule.forFeature([PaymentLinkEntity])],
      providers: roles.api ? [ReadPaymentLinks, CreatePaymentLink, DeactivatePaymentLink] : [],
      controllers: roles.api ? [PaymentLinksController] : [],
    };
  }
}
