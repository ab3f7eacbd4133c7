/**
 * The intermediate form every source of settings produces: a {@link Draft},
 * raw values tagged with the name of the setting they came from. Its
 * transport part and the helpers are the transport's own
 * (`lib/transport/settings/values.ts`), shared with the direct client's
 * options, so that both are validated by one validator.
 */
import { emptyPart, type FormNames, type HostEntry, type TransportPart, type Val } from '../../transport/settings/values';

export * from '../../transport/settings/values';

export interface Draft {
  names: FormNames;
  providerName: Val | undefined;
  compoundCreateActivate: Val | undefined;
  bucketNameAttributeName: Val | undefined;
  healthcheckCacheMs: Val | undefined;
  hosts: readonly HostEntry[] | undefined;
  /** Port for hosts given without one (the file's or chart's port). */
  defaultPort: Val | undefined;
  part: TransportPart;
}

export const emptyDraft = (names: FormNames): Draft => ({
  names,
  providerName: undefined,
  compoundCreateActivate: undefined,
  bucketNameAttributeName: undefined,
  healthcheckCacheMs: undefined,
  hosts: undefined,
  defaultPort: undefined,
  part: emptyPart(),
});

