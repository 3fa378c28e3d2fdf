import { Global, Module, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from './config';
import { OutboundHttpClient, SignedWebhookSender } from './outbound';

/** The one outbound HTTP client of the process, with the SSRF rules from config, and the one signed sender on it. */
@Global()
@Module({
  providers: [
    {
      provide: OutboundHttpClient,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        new OutboundHttpClient({
          allowPrivateNetworks: config.OUTBOUND_ALLOW_PRIVATE_NETWORKS,
          connectTimeoutMs: config.OUTBOUND_CONNECT_TIMEOUT_MS,
          defaultTimeoutMs: 30_000,
          maxResponseBytes: config.OUTBOUND_MAX_RESPONSE_BYTES,
        }),
    },
    SignedWebhookSender,
  ],
  exports: [OutboundHttpClient, SignedWebhookSender],
})
export class OutboundModule implements OnApplicationShutdown {
  constructor(private readonly client: OutboundHttpClient) {}
  onApplicationShutdown() {
    this.client.close();
  }
}
