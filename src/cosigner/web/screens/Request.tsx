/** The phone's screen for a signing request from another device of the vault (the shared co-signer request view). */
import { CosignRequestView } from '../../../ui/CosignRequestView';
import type { PhoneController } from '../controller';
import type { PendingRequest } from '../../../shared/signing-service';

export function Request({ request, more, controller }: { request: PendingRequest; more: number; controller: PhoneController }) {
  return (
    <CosignRequestView
      request={request}
      more={more}
      onDecide={(approve) => controller.signing.decide(request.key, approve)}
      testId="phone-request"
      className="phone-request"
    />
  );
}
