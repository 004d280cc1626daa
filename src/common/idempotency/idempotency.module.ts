import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Roles } from '../roles';
import { IdempotencyKeyEntity } from './idempotency-key.entity';
import { IdempotencyPurger } from './idempotency-purger';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IdempotencyStore } from './idempotency.store';

/** Idempotency-Key storage (every role) and the purge of expired keys (worker role). */
@Module({})
export class IdempotencyModule {
  static forRole(roles: Roles): DynamicModule {
    return {
      module: IdempotencyModule,
      global: true,
      imports: [TypeOrmModule.forFeature([IdempotencyKeyEntity])],
      providers: [IdempotencyStore, IdempotencyInterceptor, ...(roles.worker ? [IdempotencyPurger] : [])],
      exports: [IdempotencyStore, IdempotencyInterceptor],
    };
  }
}
