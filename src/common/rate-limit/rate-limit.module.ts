import { Global, Module } from '@nestjs/common';
import { RateLimitGuard } from './rate-limit.guard';
import { RateLimits } from './rate-limits';
import { UnverifiedDeliveryThrottle } from './webhook-throttle';

/** The rate limits (docs/security-rate-limits.md); the guard is registered, in order, by AppModule. */
@Global()
@Module({
  providers: [RateLimits, RateLimitGuard, UnverifiedDeliveryThrottle],
  exports: [RateLimits, RateLimitGuard, UnverifiedDeliveryThrottle],
})
export class RateLimitModule {}
