/**
 * The three TSS actions as ceremonies between devices, over any
 * {@link Mailbox} (in the product: a relay room, end-to-end encrypted):
 *
 * - key generation (keygen.ts) and re-sharing (reshare.ts): every device
 *   confirms the same result, stores it as a pending generation, and wipes
 *   the previous one only when every device said it stored the new one
 *   (generations.ts, docs/generations.md);
 * - signing on the paired channel: the requester (signing.ts) and the
 *   co-signer (serve-signing.ts);
 * - the signed control messages they exchange (control.ts) and device
 *   liveness during a ceremony (liveness.ts).
 */
export type { CeremonyEvent, CeremonyTiming } from './ceremony-common.js';
export { createVault, joinVault, type KeygenPlan } from './keygen.js';
export { joinReshare, startReshare, type ReshareOutcome, type ResharePlan } from './reshare.js';
export { requestSignature, SigningRefused } from './signing.js';
export { serveSigning, type Decision, type RequestInfo, type ServeResult } from './serve-signing.js';
export { GenerationBehind, type GenerationOutcome, type GenerationStore } from './generations.js';
