import { DynamicModule, Module } from '@nestjs/common';
import { Roles } from '../common/roles';
import { WompiGateway } from '../wompi/wompi-gateway.port';
import { AcceptanceController } from './acceptance.controller';
import { PseBanksController } from './pse-banks.controller';
import { PseBanks } from './pse-banks.service';

/**
 * What a caller needs from Wompi to build the buyer's payment form: acceptance tokens (Habeas
 * Data; consent evidence is recorded with each payment) and the PSE bank list.
 */
@Module({})
export class AcceptanceModule {
  static forRole(roles: Roles): DynamicModule {
    return {
      module: AcceptanceModule,
      providers: roles.api
        ? [{ provide: PseBanks, inject: [WompiGateway], useFactory: (gateway: WompiGateway) => new PseBanks(gateway) }]
        : [],
      controllers: roles.api ? [AcceptanceController, PseBanksController] : [],
    };
  }
}
