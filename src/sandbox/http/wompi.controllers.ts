import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { PSE_BANKS } from '../domain/test-data';
import { wompiErrors, MSG } from '../domain/wompi-error';
import { AuthService } from '../services/auth.service';
import { MerchantService } from '../services/merchant.service';
import { SourcesLinksService } from '../services/sources-links.service';
import { TokensService } from '../services/tokens.service';
import { TransactionsService } from '../services/transactions.service';
import { objectBody } from './body';

type Obj = Record<string, unknown>;

@Controller('v1/merchants')
export class MerchantsController {
  constructor(@Inject(MerchantService) private readonly merchants: MerchantService) {}

  @Get()
  none(): never {
    throw wompiErrors.unauthorized(MSG.noKey);
  }

  @Get('info')
  info(@Headers('x-merchant-public-key') key: string | undefined): Promise<Obj> {
    return this.merchants.merchant(key?.trim() || undefined);
  }

  @Get(':publicKey')
  byKey(@Param('publicKey') key: string): Promise<Obj> {
    return this.merchants.merchant(key);
  }
}

@Controller('v1/tokens')
export class TokensController {
  constructor(
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(TokensService) private readonly tokens: TokensService,
  ) {}

  @Post('cards')
  card(@Headers('authorization') authz: string | undefined, @Body() body: unknown): Promise<Obj> {
    this.auth.authenticate(authz, 'card-token');
    return this.tokens.createCardToken(objectBody(body));
  }

  @Get('keys/tokenization')
  tokenizationKey(@Headers('authorization') authz: string | undefined): Obj {
    this.auth.authenticate(authz, 'any');
    return { data: this.tokens.tokenizationKey() };
  }

  @Post('nequi')
  nequi(@Headers('authorization') authz: string | undefined, @Body() body: unknown): Obj {
    this.auth.authenticate(authz, 'any');
    return this.tokens.createNequiToken(objectBody(body));
  }

  @Get('nequi/:id')
  nequiGet(@Headers('authorization') authz: string | undefined, @Param('id') id: string): Obj {
    this.auth.authenticate(authz, 'any');
    return this.tokens.getNequiToken(id);
  }

  @Post('daviplata')
  daviplata(@Headers('authorization') authz: string | undefined, @Body() body: unknown): Obj {
    this.auth.authenticate(authz, 'any');
    return this.tokens.createDaviplataToken(objectBody(body));
  }

  @Get('daviplata/:id')
  daviplataGet(@Headers('authorization') authz: string | undefined, @Param('id') id: string): Obj {
    this.auth.authenticate(authz, 'any');
    return this.tokens.getDaviplataToken(id);
  }

  @Post('bancolombia_transfer')
  bancolombia(@Headers('authorization') authz: string | undefined, @Body() body: unknown): Obj {
    this.auth.authenticate(authz, 'any');
    return this.tokens.createBancolombiaToken(objectBody(body));
  }

  @Get('bancolombia_transfer/:id')
  bancolombiaGet(@Headers('authorization') authz: string | undefined, @Param('id') id: string): Obj {
    this.auth.authenticate(authz, 'any');
    return this.tokens.getBancolombiaToken(id);
  }
}

@Controller('v1/pse')
export class PseController {
  constructor(@Inject(AuthService) private readonly auth: AuthService) {}

  @Get('financial_institutions')
  banks(@Headers('authorization') authz: string | undefined): Obj {
    this.auth.authenticate(authz, 'any');
    return { data: PSE_BANKS.map((b) => ({ ...b })), meta: {} };
  }
}

@Controller('v1/transactions')
export class TransactionsController {
  constructor(
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(TransactionsService) private readonly transactions: TransactionsService,
  ) {}

  @Post()
  create(
    @Headers('authorization') authz: string | undefined,
    @Body() body: unknown,
    @Headers('traceparent') traceparent?: string,
    @Headers('tracestate') tracestate?: string,
  ): Promise<Obj> {
    const caller = this.auth.authenticate(authz, 'any');
    return this.transactions.create(objectBody(body), caller, { traceparent, tracestate });
  }

  @Get()
  search(@Headers('authorization') authz: string | undefined, @Query() query: Record<string, string | undefined>): Obj {
    this.auth.authenticate(authz, 'private');
    return this.transactions.search(query);
  }

  @Get(':id')
  get(@Headers('authorization') authz: string | undefined, @Param('id') id: string): Obj {
    this.auth.authenticate(authz, 'optional');
    return this.transactions.get(id);
  }

  @Post(':id/void')
  void(@Headers('authorization') authz: string | undefined, @Param('id') id: string, @Body() body: unknown): Obj {
    this.auth.authenticate(authz, 'private');
    return this.transactions.void(id, objectBody(body));
  }
}

@Controller('v1/payment_sources')
export class PaymentSourcesController {
  constructor(
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(SourcesLinksService) private readonly sources: SourcesLinksService,
  ) {}

  @Post()
  create(@Headers('authorization') authz: string | undefined, @Body() body: unknown): Promise<Obj> {
    this.auth.authenticate(authz, 'private');
    return this.sources.createSource(objectBody(body));
  }

  @Get(':id')
  get(@Headers('authorization') authz: string | undefined, @Param('id') id: string): Obj {
    this.auth.authenticate(authz, 'private');
    return this.sources.getSource(id);
  }

  @Put(':id/void')
  @HttpCode(200)
  void(@Headers('authorization') authz: string | undefined, @Param('id') id: string): Obj {
    this.auth.authenticate(authz, 'private');
    return this.sources.voidSource(id);
  }
}

@Controller('v1/payment_links')
export class PaymentLinksController {
  constructor(
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(SourcesLinksService) private readonly links: SourcesLinksService,
  ) {}

  @Post()
  create(@Headers('authorization') authz: string | undefined, @Body() body: unknown): Obj {
    this.auth.authenticate(authz, 'private');
    return this.links.createLink(objectBody(body));
  }

  @Get(':id')
  get(@Headers('authorization') authz: string | undefined, @Param('id') id: string): Obj {
    this.auth.authenticate(authz, 'private');
    return this.links.getLink(id);
  }

  @Patch(':id')
  update(@Headers('authorization') authz: string | undefined, @Param('id') id: string, @Body() body: unknown): Obj {
    this.auth.authenticate(authz, 'private');
    return this.links.updateLink(id, objectBody(body));
  }
}
