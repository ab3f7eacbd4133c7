/**
 * KMIP tag dictionary: every standard tag of KMIP 1.0, 1.1, 1.2, 1.3, 1.4, 2.0 and 2.1.
 *
 * Sources:
 *  - KMIP Specification 1.4, section 9.1.3.1 (tag table, covers 1.0–1.4);
 *  - KMIP Specification 2.0 / 2.1, section 11 "Tag Enumeration" (0x420125–0x420165 added in
 *    2.0, 0x420166–0x420176 added in 2.1). Tags that 2.x designates "(Reserved)" (Attribute
 *    Index, Template-Attribute, Certificate Identifier, ...) are kept: 1.x messages use them;
 *  - values cross-checked against PyKMIP 0.10 `kmip.core.enums.Tags` (complete up to 2.0).
 *
 * Keys are the names used by the OASIS XML/JSON message encodings (KMIP Profiles 1.x section
 * 5.4.1.1 "Normalizing Names"; see `normalizeName` below), e.g. 'IV/Counter/Nonce' ->
 * `IVCounterNonce`, 'X.509 Certificate Identifier' -> `X_509CertificateIdentifier`,
 * 'PKCS#12 Friendly Name' -> `PKCS_12FriendlyName`, 'Common Template-Attribute' ->
 * `CommonTemplateAttribute`. A trailing comment gives the spec's own spelling where the
 * normalized name differs from it by more than removed spaces.
 *
 * Generated from those tables; edit the data, keep the shape (`as const`, no duplicates).
 */

export const Tag = {
  // KMIP 1.0
  ActivationDate: 0x420001,
  ApplicationData: 0x420002,
  ApplicationNamespace: 0x420003,
  ApplicationSpecificInformation: 0x420004,
  ArchiveDate: 0x420005,
  AsynchronousCorrelationValue: 0x420006,
  AsynchronousIndicator: 0x420007,
  Attribute: 0x420008,
  AttributeIndex: 0x420009,
  AttributeName: 0x42000A,
  AttributeValue: 0x42000B,
  Authentication: 0x42000C,
  BatchCount: 0x42000D,
  BatchErrorContinuationOption: 0x42000E,
  BatchItem: 0x42000F,
  BatchOrderOption: 0x420010,
  BlockCipherMode: 0x420011,
  CancellationResult: 0x420012,
  Certificate: 0x420013,
  CertificateIdentifier: 0x420014,
  CertificateIssuer: 0x420015,
  CertificateIssuerAlternativeName: 0x420016,
  CertificateIssuerDistinguishedName: 0x420017,
  CertificateRequest: 0x420018,
  CertificateRequestType: 0x420019,
  CertificateSubject: 0x42001A,
  CertificateSubjectAlternativeName: 0x42001B,
  CertificateSubjectDistinguishedName: 0x42001C,
  CertificateType: 0x42001D,
  CertificateValue: 0x42001E,
  CommonTemplateAttribute: 0x42001F, // 'Common Template-Attribute'
  CompromiseDate: 0x420020,
  CompromiseOccurrenceDate: 0x420021,
  ContactInformation: 0x420022,
  Credential: 0x420023,
  CredentialType: 0x420024,
  CredentialValue: 0x420025,
  CriticalityIndicator: 0x420026,
  CRTCoefficient: 0x420027,
  CryptographicAlgorithm: 0x420028,
  CryptographicDomainParameters: 0x420029,
  CryptographicLength: 0x42002A,
  CryptographicParameters: 0x42002B,
  CryptographicUsageMask: 0x42002C,
  CustomAttribute: 0x42002D,
  D: 0x42002E,
  DeactivationDate: 0x42002F,
  DerivationData: 0x420030,
  DerivationMethod: 0x420031,
  DerivationParameters: 0x420032,
  DestroyDate: 0x420033,
  Digest: 0x420034,
  DigestValue: 0x420035,
  EncryptionKeyInformation: 0x420036,
  G: 0x420037,
  HashingAlgorithm: 0x420038,
  InitialDate: 0x420039,
  InitializationVector: 0x42003A,
  Issuer: 0x42003B,
  IterationCount: 0x42003C,
  IVCounterNonce: 0x42003D, // 'IV/Counter/Nonce'
  J: 0x42003E,
  Key: 0x42003F,
  KeyBlock: 0x420040,
  KeyCompressionType: 0x420041,
  KeyFormatType: 0x420042,
  KeyMaterial: 0x420043,
  KeyPartIdentifier: 0x420044,
  KeyValue: 0x420045,
  KeyWrappingData: 0x420046,
  KeyWrappingSpecification: 0x420047,
  LastChangeDate: 0x420048,
  LeaseTime: 0x420049,
  Link: 0x42004A,
  LinkType: 0x42004B,
  LinkedObjectIdentifier: 0x42004C,
  MACSignature: 0x42004D, // 'MAC/Signature'
  MACSignatureKeyInformation: 0x42004E, // 'MAC/Signature Key Information'
  MaximumItems: 0x42004F,
  MaximumResponseSize: 0x420050,
  MessageExtension: 0x420051,
  Modulus: 0x420052,
  Name: 0x420053,
  NameType: 0x420054,
  NameValue: 0x420055,
  ObjectGroup: 0x420056,
  ObjectType: 0x420057,
  Offset: 0x420058,
  OpaqueDataType: 0x420059,
  OpaqueDataValue: 0x42005A,
  OpaqueObject: 0x42005B,
  Operation: 0x42005C,
  OperationPolicyName: 0x42005D,
  P: 0x42005E,
  PaddingMethod: 0x42005F,
  PrimeExponentP: 0x420060,
  PrimeExponentQ: 0x420061,
  PrimeFieldSize: 0x420062,
  PrivateExponent: 0x420063,
  PrivateKey: 0x420064,
  PrivateKeyTemplateAttribute: 0x420065, // 'Private Key Template-Attribute'
  PrivateKeyUniqueIdentifier: 0x420066,
  ProcessStartDate: 0x420067,
  ProtectStopDate: 0x420068,
  ProtocolVersion: 0x420069,
  ProtocolVersionMajor: 0x42006A,
  ProtocolVersionMinor: 0x42006B,
  PublicExponent: 0x42006C,
  PublicKey: 0x42006D,
  PublicKeyTemplateAttribute: 0x42006E, // 'Public Key Template-Attribute'
  PublicKeyUniqueIdentifier: 0x42006F,
  PutFunction: 0x420070,
  Q: 0x420071,
  QString: 0x420072,
  Qlength: 0x420073,
  QueryFunction: 0x420074,
  RecommendedCurve: 0x420075,
  ReplacedUniqueIdentifier: 0x420076,
  RequestHeader: 0x420077,
  RequestMessage: 0x420078,
  RequestPayload: 0x420079,
  ResponseHeader: 0x42007A,
  ResponseMessage: 0x42007B,
  ResponsePayload: 0x42007C,
  ResultMessage: 0x42007D,
  ResultReason: 0x42007E,
  ResultStatus: 0x42007F,
  RevocationMessage: 0x420080,
  RevocationReason: 0x420081,
  RevocationReasonCode: 0x420082,
  KeyRoleType: 0x420083,
  Salt: 0x420084,
  SecretData: 0x420085,
  SecretDataType: 0x420086,
  SerialNumber: 0x420087,
  ServerInformation: 0x420088,
  SplitKey: 0x420089,
  SplitKeyMethod: 0x42008A,
  SplitKeyParts: 0x42008B,
  SplitKeyThreshold: 0x42008C,
  State: 0x42008D,
  StorageStatusMask: 0x42008E,
  SymmetricKey: 0x42008F,
  Template: 0x420090,
  TemplateAttribute: 0x420091, // 'Template-Attribute'
  TimeStamp: 0x420092,
  UniqueBatchItemID: 0x420093,
  UniqueIdentifier: 0x420094,
  UsageLimits: 0x420095,
  UsageLimitsCount: 0x420096,
  UsageLimitsTotal: 0x420097,
  UsageLimitsUnit: 0x420098,
  Username: 0x420099,
  ValidityDate: 0x42009A,
  ValidityIndicator: 0x42009B,
  VendorExtension: 0x42009C,
  VendorIdentification: 0x42009D,
  WrappingMethod: 0x42009E,
  X: 0x42009F,
  Y: 0x4200A0,
  Password: 0x4200A1,

  // KMIP 1.1
  DeviceIdentifier: 0x4200A2,
  EncodingOption: 0x4200A3,
  ExtensionInformation: 0x4200A4,
  ExtensionName: 0x4200A5,
  ExtensionTag: 0x4200A6,
  ExtensionType: 0x4200A7,
  Fresh: 0x4200A8,
  MachineIdentifier: 0x4200A9,
  MediaIdentifier: 0x4200AA,
  NetworkIdentifier: 0x4200AB,
  ObjectGroupMember: 0x4200AC,
  CertificateLength: 0x4200AD,
  DigitalSignatureAlgorithm: 0x4200AE,
  CertificateSerialNumber: 0x4200AF,
  DeviceSerialNumber: 0x4200B0,
  IssuerAlternativeName: 0x4200B1,
  IssuerDistinguishedName: 0x4200B2,
  SubjectAlternativeName: 0x4200B3,
  SubjectDistinguishedName: 0x4200B4,
  X_509CertificateIdentifier: 0x4200B5, // 'X.509 Certificate Identifier'
  X_509CertificateIssuer: 0x4200B6, // 'X.509 Certificate Issuer'
  X_509CertificateSubject: 0x4200B7, // 'X.509 Certificate Subject'

  // KMIP 1.2
  KeyValueLocation: 0x4200B8,
  KeyValueLocationValue: 0x4200B9,
  KeyValueLocationType: 0x4200BA,
  KeyValuePresent: 0x4200BB,
  OriginalCreationDate: 0x4200BC,
  PGPKey: 0x4200BD,
  PGPKeyVersion: 0x4200BE,
  AlternativeName: 0x4200BF,
  AlternativeNameValue: 0x4200C0,
  AlternativeNameType: 0x4200C1,
  Data: 0x4200C2,
  SignatureData: 0x4200C3,
  DataLength: 0x4200C4,
  RandomIV: 0x4200C5,
  MACData: 0x4200C6,
  AttestationType: 0x4200C7,
  Nonce: 0x4200C8,
  NonceID: 0x4200C9,
  NonceValue: 0x4200CA,
  AttestationMeasurement: 0x4200CB,
  AttestationAssertion: 0x4200CC,
  IVLength: 0x4200CD,
  TagLength: 0x4200CE,
  FixedFieldLength: 0x4200CF,
  CounterLength: 0x4200D0,
  InitialCounterValue: 0x4200D1,
  InvocationFieldLength: 0x4200D2,
  AttestationCapableIndicator: 0x4200D3,

  // KMIP 1.3
  OffsetItems: 0x4200D4,
  LocatedItems: 0x4200D5,
  CorrelationValue: 0x4200D6,
  InitIndicator: 0x4200D7,
  FinalIndicator: 0x4200D8,
  RNGParameters: 0x4200D9,
  RNGAlgorithm: 0x4200DA,
  DRBGAlgorithm: 0x4200DB,
  FIPS186Variation: 0x4200DC,
  PredictionResistance: 0x4200DD,
  RandomNumberGenerator: 0x4200DE,
  ValidationInformation: 0x4200DF,
  ValidationAuthorityType: 0x4200E0,
  ValidationAuthorityCountry: 0x4200E1,
  ValidationAuthorityURI: 0x4200E2,
  ValidationVersionMajor: 0x4200E3,
  ValidationVersionMinor: 0x4200E4,
  ValidationType: 0x4200E5,
  ValidationLevel: 0x4200E6,
  ValidationCertificateIdentifier: 0x4200E7,
  ValidationCertificateURI: 0x4200E8,
  ValidationVendorURI: 0x4200E9,
  ValidationProfile: 0x4200EA,
  ProfileInformation: 0x4200EB,
  ProfileName: 0x4200EC,
  ServerURI: 0x4200ED,
  ServerPort: 0x4200EE,
  StreamingCapability: 0x4200EF,
  AsynchronousCapability: 0x4200F0,
  AttestationCapability: 0x4200F1,
  UnwrapMode: 0x4200F2,
  DestroyAction: 0x4200F3,
  ShreddingAlgorithm: 0x4200F4,
  RNGMode: 0x4200F5,
  ClientRegistrationMethod: 0x4200F6,
  CapabilityInformation: 0x4200F7,

  // KMIP 1.4
  KeyWrapType: 0x4200F8,
  BatchUndoCapability: 0x4200F9,
  BatchContinueCapability: 0x4200FA,
  PKCS_12FriendlyName: 0x4200FB, // 'PKCS#12 Friendly Name'
  Description: 0x4200FC,
  Comment: 0x4200FD,
  AuthenticatedEncryptionAdditionalData: 0x4200FE,
  AuthenticatedEncryptionTag: 0x4200FF,
  SaltLength: 0x420100,
  MaskGenerator: 0x420101,
  MaskGeneratorHashingAlgorithm: 0x420102,
  PSource: 0x420103,
  TrailerField: 0x420104,
  ClientCorrelationValue: 0x420105,
  ServerCorrelationValue: 0x420106,
  DigestedData: 0x420107,
  CertificateSubjectCN: 0x420108,
  CertificateSubjectO: 0x420109,
  CertificateSubjectOU: 0x42010A,
  CertificateSubjectEmail: 0x42010B,
  CertificateSubjectC: 0x42010C,
  CertificateSubjectST: 0x42010D,
  CertificateSubjectL: 0x42010E,
  CertificateSubjectUID: 0x42010F,
  CertificateSubjectSerialNumber: 0x420110,
  CertificateSubjectTitle: 0x420111,
  CertificateSubjectDC: 0x420112,
  CertificateSubjectDNQualifier: 0x420113,
  CertificateIssuerCN: 0x420114,
  CertificateIssuerO: 0x420115,
  CertificateIssuerOU: 0x420116,
  CertificateIssuerEmail: 0x420117,
  CertificateIssuerC: 0x420118,
  CertificateIssuerST: 0x420119,
  CertificateIssuerL: 0x42011A,
  CertificateIssuerUID: 0x42011B,
  CertificateIssuerSerialNumber: 0x42011C,
  CertificateIssuerTitle: 0x42011D,
  CertificateIssuerDC: 0x42011E,
  CertificateIssuerDNQualifier: 0x42011F,
  Sensitive: 0x420120,
  AlwaysSensitive: 0x420121,
  Extractable: 0x420122,
  NeverExtractable: 0x420123,
  ReplaceExisting: 0x420124,

  // KMIP 2.0
  Attributes: 0x420125,
  CommonAttributes: 0x420126,
  PrivateKeyAttributes: 0x420127,
  PublicKeyAttributes: 0x420128,
  ExtensionEnumeration: 0x420129,
  ExtensionAttribute: 0x42012A,
  ExtensionParentStructureTag: 0x42012B,
  ExtensionDescription: 0x42012C,
  ServerName: 0x42012D,
  ServerSerialNumber: 0x42012E,
  ServerVersion: 0x42012F,
  ServerLoad: 0x420130,
  ProductName: 0x420131,
  BuildLevel: 0x420132,
  BuildDate: 0x420133,
  ClusterInfo: 0x420134,
  AlternateFailoverEndpoints: 0x420135,
  ShortUniqueIdentifier: 0x420136,
  Reserved: 0x420137, // listed as 'Reserved' (no parentheses) in the KMIP 2.0/2.1 tag table
  Tag: 0x420138,
  CertificateRequestUniqueIdentifier: 0x420139,
  NISTKeyType: 0x42013A,
  AttributeReference: 0x42013B,
  CurrentAttribute: 0x42013C,
  NewAttribute: 0x42013D,
  CertificateRequestValue: 0x420140,
  LogMessage: 0x420141,
  ProfileVersion: 0x420142,
  ProfileVersionMajor: 0x420143,
  ProfileVersionMinor: 0x420144,
  ProtectionLevel: 0x420145,
  ProtectionPeriod: 0x420146,
  QuantumSafe: 0x420147,
  QuantumSafeCapability: 0x420148,
  Ticket: 0x420149,
  TicketType: 0x42014A,
  TicketValue: 0x42014B,
  RequestCount: 0x42014C,
  Rights: 0x42014D,
  Objects: 0x42014E,
  Operations: 0x42014F,
  Right: 0x420150,
  EndpointRole: 0x420151,
  DefaultsInformation: 0x420152,
  ObjectDefaults: 0x420153,
  Ephemeral: 0x420154,
  ServerHashedPassword: 0x420155,
  OneTimePassword: 0x420156,
  HashedPassword: 0x420157,
  AdjustmentType: 0x420158,
  PKCS_11Interface: 0x420159, // 'PKCS#11 Interface'
  PKCS_11Function: 0x42015A, // 'PKCS#11 Function'
  PKCS_11InputParameters: 0x42015B, // 'PKCS#11 Input Parameters'
  PKCS_11OutputParameters: 0x42015C, // 'PKCS#11 Output Parameters'
  PKCS_11ReturnCode: 0x42015D, // 'PKCS#11 Return Code'
  ProtectionStorageMask: 0x42015E,
  ProtectionStorageMasks: 0x42015F,
  InteropFunction: 0x420160,
  InteropIdentifier: 0x420161,
  AdjustmentValue: 0x420162,
  CommonProtectionStorageMasks: 0x420163,
  PrivateProtectionStorageMasks: 0x420164,
  PublicProtectionStorageMasks: 0x420165,

  // KMIP 2.1
  ObjectGroups: 0x420166,
  ObjectTypes: 0x420167,
  Constraints: 0x420168,
  Constraint: 0x420169,
  RotateInterval: 0x42016A,
  RotateAutomatic: 0x42016B,
  RotateOffset: 0x42016C,
  RotateDate: 0x42016D,
  RotateGeneration: 0x42016E,
  RotateName: 0x42016F,
  RotateNameValue: 0x420170,
  RotateNameType: 0x420171,
  RotateLatest: 0x420172,
  AsynchronousRequest: 0x420173,
  SubmissionDate: 0x420174,
  ProcessingStage: 0x420175,
  AsynchronousCorrelationValues: 0x420176,
} as const;

export type TagName = keyof typeof Tag;
export type TagValue = (typeof Tag)[TagName];

const TAG_ENTRIES = Object.entries(Tag) as ReadonlyArray<readonly [TagName, number]>;

/** Reverse map: tag number -> tag name. */
export const TAG_NAMES: ReadonlyMap<number, TagName> = new Map(
  TAG_ENTRIES.map(([name, value]) => [value, name] as const),
);

const TAG_BY_NAME: ReadonlyMap<string, number> = new Map(TAG_ENTRIES);

/** '0x' + 6 upper-case hex digits, the XML encoding's spelling of a tag number. */
export function formatTag(tag: number): string {
  return '0x' + (tag >>> 0).toString(16).toUpperCase().padStart(6, '0');
}

/** Name of a standard tag, or its hex form (e.g. `0x540001`) for unknown/extension tags. */
export function tagName(tag: number): string {
  return TAG_NAMES.get(tag) ?? formatTag(tag);
}

const HEX_TAG = /^0[xX]((?:42|54)[0-9A-Fa-f]{4})$/;

/**
 * Tag number for a (normalized) tag name, or for the hex form `0x42xxxx` / `0x54xxxx`
 * (case-insensitive hex digits). Returns undefined for anything else.
 */
export function tagFromName(name: string): number | undefined {
  const known = TAG_BY_NAME.get(name);
  if (known !== undefined) return known;
  const m = HEX_TAG.exec(name);
  return m ? parseInt(m[1] as string, 16) : undefined;
}

/** True if `name` is the name of a standard tag. */
export function isTagName(name: string): name is TagName {
  return TAG_BY_NAME.has(name);
}

const NON_WORD_AT_WORD_START = /(\W)([a-zA-Z][a-z])/g;
const LEADING_DIGITS = /^(\d+)(.*)$/;

/**
 * Converts a name as printed in the KMIP specification (tag, attribute or enumeration value
 * name) into the form used by the XML/JSON encodings (KMIP Profiles 5.4.1.1):
 *  1. '(' and ')' become spaces;
 *  2. a non-word char followed by a letter and then a lower-case letter becomes a space;
 *  3. other non-word chars (except spaces) become '_';
 *  4. leading digits of the first word move to its end ('3DES' -> 'DES3');
 *  5. each word's first letter is upper-cased; 6. spaces are removed.
 * E.g. 'Cryptographic Algorithm' -> 'CryptographicAlgorithm', 'SHA-256' -> 'SHA_256',
 * 'Pre-Active' -> 'PreActive'. Useful to map an Attribute Name ('Cryptographic Usage Mask')
 * to its tag: `tagFromName(normalizeName(attributeName))`.
 */
export function normalizeName(specName: string): string {
  const words = specName
    .replace(/[()]/g, ' ')
    .replace(NON_WORD_AT_WORD_START, ' $2')
    .replace(/[^A-Za-z0-9_ ]/g, '_')
    .split(' ');
  return words
    .map((word, i) => {
      const w = i === 0 ? word.replace(LEADING_DIGITS, '$2$1') : word;
      return w.charAt(0).toUpperCase() + w.slice(1);
    })
    .join('');
}
