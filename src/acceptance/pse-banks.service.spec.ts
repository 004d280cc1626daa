import { WompiGateway } from '../wompi/wompi-gateway.port';
import { GatewayUnavailable } from '../wompi/wompi.errors';
import { PseFinancialInstitution } from '../wompi/wompi.types';
import { PSE_BANKS_STALE_MAX_MS, PSE_BANKS_TTL_MS, PseBanks } from './pse-banks.service';

const BANKS: PseFinancialInstitution[] = [
  { financial_institution_code: '1', financial_institution_name: 'Banco que aprueba' },
];

function setup() {
  let now = 1_000_000;
  const answers: Array<() => Promise<PseFinancialInstitution[]>> = [];
  const gateway = { getPseFinancialInstitutions: jest.fn(() => (answers.shift() ?? (() => Promise.resolve(BANKS)))()) };
  const banks = new PseBanks(gateway as unknown as WompiGateway, () => now);
  return { banks, gateway, answers, advance: (ms: number) => (now += ms) };
}

describe('PseBanks', () => {
  it('fetches once per TTL and again after it', async () => {
    const { banks, gateway, advance } = setup();
    expect(await banks.list()).toEqual(BANKS);
    advance(PSE_BANKS_TTL_MS - 1);
    await banks.list();
    expect(gateway.getPseFinancialInstitutions).toHaveBeenCalledTimes(1);
    advance(1);
    await banks.list();
    expect(gateway.getPseFinancialInstitutions).toHaveBeenCalledTimes(2);
  });

  it('shares one fetch between concurrent callers', async () => {
    const { banks, gateway } = setup();
    const all = await Promise.all([banks.list(), banks.list(), banks.list()]);
    expect(all).toEqual([BANKS, BANKS, BANKS]);
    expect(gateway.getPseFinancialInstitutions).toHaveBeenCalledTimes(1);
  });

  it('never caches a failure', async () => {
    const { banks, gateway, answers } = setup();
    answers.push(() => Promise.reject(new GatewayUnavailable('down', 5)));
    await expect(banks.list()).rejects.toThrow(GatewayUnavailable);
    expect(await banks.list()).toEqual(BANKS);
    expect(gateway.getPseFinancialInstitutions).toHaveBeenCalledTimes(2);
  });

  it('serves an expired list when Wompi fails, but not one older than the stale bound', async () => {
    const { banks, answers, advance } = setup();
    await banks.list();
    advance(PSE_BANKS_TTL_MS);
    answers.push(() => Promise.reject(new GatewayUnavailable('down', 5)));
    expect(await banks.list()).toEqual(BANKS);
    advance(PSE_BANKS_STALE_MAX_MS);
    answers.push(() => Promise.reject(new GatewayUnavailable('down', 5)));
    await expect(banks.list()).rejects.toThrow(GatewayUnavailable);
  });
});
