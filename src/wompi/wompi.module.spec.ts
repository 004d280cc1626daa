import { Test } from '@nestjs/testing';
import { AppConfigModule } from '../config/config.module';
import { MetricsModule } from '../metrics/metrics.module';
import { wompiTestConfig } from '../../test/wompi/support';
import { WompiGateway } from './wompi-gateway.port';
import { WompiHttpGateway } from './wompi-http.gateway';
import { WompiModule } from './wompi.module';

describe('WompiModule', () => {
  it('provides the WompiGateway port, backed by the HTTP adapter, starting closed', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [AppConfigModule.forRoot(wompiTestConfig('http://127.0.0.1:9/v1')), MetricsModule, WompiModule],
    }).compile();
    const gateway = moduleRef.get(WompiGateway);
    expect(gateway).toBeInstanceOf(WompiHttpGateway);
    expect(gateway.breakerState()).toBe('closed');
    await moduleRef.close();
  });
});
