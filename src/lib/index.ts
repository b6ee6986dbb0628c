/**
 * The package's Node-RED-free core, for code that handles Genea deliveries
 * itself (a function node, a test, another server).
 */
export { signBody, verifySignature, type SignatureAlgorithm, type SignatureCheck } from './signature';
export * from './event';
export {
  processDelivery,
  asDuplicate,
  duplicateKey,
  isJsonContentType,
  REJECTIONS,
  type AcceptedVerdict,
  type DeliveryVerdict,
  type Rejection,
} from './delivery';
export { MemoryClaimStore, newClaimToken, type ClaimStore } from './claim-store';
export { sampleEvent, SAMPLE_EVENT_TYPES, type SampleEventType } from './sample-events';
export { SourceAllowList, clientAddress, sourceRejection } from './source-allow-list';
export {
  GeneaApiClient,
  GeneaApiError,
  checkBaseUrl,
  geneaReason,
  isDoorAction,
  isDoorId,
  DEFAULT_BASE_URL,
  DOOR_ACTIONS,
  DOOR_COMMANDS,
  type ApiFailure,
  type CommandResult,
  type DoorAction,
  type DoorCommand,
  type GeneaApiOptions,
  type GeneaDoorRecord,
  type GeneaLocationRecord,
  type Verification,
} from './genea-api';
export {
  DoorStates,
  DOOR_FIELDS,
  countDoors,
  type DoorState,
  type DoorChange,
  type DoorCounts,
  type DoorField,
} from './door-state';
