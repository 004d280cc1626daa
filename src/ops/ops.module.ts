import { DynamicModule, Module } from '@nestjs/common';
import { Roles } from '../common/roles';
import { RetentionPurger } from './retention';

/** Housekeeping that runs in workers only. */
@Module({})
export class OpsModule {
  static forRole(roles: Roles): DynamicModule {
    return { module: OpsModule, providers: roles.worker ? [RetentionPurger] : [] };
  }
}
