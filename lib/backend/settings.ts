import type { Logger } from '../logger';
import type { MetricsOptions } from './metrics';
import type { TransportOptions } from '../transport/options';

/**
 * The one validated shape every configuration form (the host's parsed
 * `config.kmip`, a cloudserver config.json file, S3KMIP_* variables, the
 * chart's values and PEM folder) is read into.
 */
export interface KmipSettings {
  /** Provider name in key ARNs: `arn:scality:kms:external:kmip:<providerName>:key/<id>`. Default `kmip`. */
  readonly providerName: string;
  /** Create keys Active in one step (Create carrying an Activation Date). Default false. */
  readonly compoundCreateActivate: boolean;
  /** When non-empty, the bucket name is stored on the key as this custom attribute. Default '' (off). */
  readonly bucketNameAttributeName: string;
  /** Connection settings: hosts (first = default), TLS material as contents, pipelineDepth, timeouts. */
  readonly transport: TransportOptions;
  /** How long a healthcheck result is reused. Default 5000 ms. */
  readonly healthcheckCacheMs: number;
}

export interface BackendOptions {
  /** The host's parsed `config.kmip` (cloudserver's KMIP slot passes exactly this). */
  readonly kmip?: unknown;
  /**
   * kmip-kms's own S3KMIP_* variables (S3KMIP_BATCH_SIZE, ...), applied
   * under `kmip` for the settings it does not carry. Default `process.env`;
   * not read with `settings`.
   */
  readonly env?: NodeJS.ProcessEnv;
  /** Already validated settings (takes precedence over `kmip`). */
  readonly settings?: KmipSettings;
  /** The host's arsenal `errors` object, when the host injects it. */
  readonly errors?: unknown;
  /** Module-level logger for connection events (werelogs-shaped). */
  readonly logger?: Logger;
  /** Prometheus metrics in the host's prom-client registry (`kmip_` prefix); off when absent. */
  readonly metrics?: MetricsOptions;
}
