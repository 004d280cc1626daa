import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Roles } from '../common/roles';
import { ExternalTransactionEntity } from './external-transaction.entity';
import { ExternalTransactionRecorder } from './external-transaction.recorder';
import { ExternalTransactionsController } from './external-transactions.controller';
import { ReadExternalTransactions } from './read-external-transactions';

/**
 * Wompi transactions with a reference this service never issued: the recorder every role's
 * state machine uses, and the operators' list (api role).
 */
@Module({})
export class ExternalTransactionsModule {
  static forRole(roles: Roles): DynamicModule {
    return {
      module: ExternalTransactionsModule,
      global: true,
      imports: [TypeOrmModule.forFeature([ExternalTransactionEntity])],
      providers: [ExternalTransactionRecorder, ...(roles.api ? [ReadExternalTransactions] : [])],
      controllers: roles.api ? [ExternalTransactionsController] : [],
      exports: [ExternalTransactionRecorder],
    };
  }
}
