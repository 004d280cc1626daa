import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Roles } from '../common/roles';
import { PaymentSourceEntity } from './payment-source.entity';
import { PaymentSourceOwnership } from './payment-source-ownership';
import { PaymentSourcesController } from './payment-sources.controller';
import { CreatePaymentSource } from './usecases/create-payment-source';
import { ReadPaymentSource } from './usecases/read-payment-source';
import { VoidPaymentSource } from './usecases/void-payment-source';

/**
 * Wompi payment sources created on callers' behalf (the private key stays here), owned per
 * caller. Every role gets the ownership check (POST /v1/transactions consults it); the HTTP
 * API and its use cases are api-role only.
 */
@Module({})
export class PaymentSourcesModule {
  static forRole(roles: Roles): DynamicModule {
    return {
      module: PaymentSourcesModule,
      global: true,
      imports: [TypeOrmModule.forFeature([PaymentSourceEntity])],
      providers: [
        PaymentSourceOwnership,
        ...(roles.api ? [ReadPaymentSource, CreatePaymentSource, VoidPaymentSource] : []),
      ],
      controllers: roles.api ? [PaymentSourcesController] : [],
      exports: [PaymentSourceOwnership],
    };
  }
}
