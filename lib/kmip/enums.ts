/**
 * KMIP enumerations and bit masks of KMIP 1.0–1.4, 2.0 and 2.1, as data.
 *
 * Sources:
 *  - KMIP Specification 1.4, section 9.1.3.2 (enumerations) and 9.1.3.3 (bit masks);
 *  - KMIP Specification 2.0 / 2.1, section 11 (enumerations; 2.1 adds Operation 0x36–0x3B,
 *    Result Reason 0x48–0x4C, Processing Stage, Rotate Name Type);
 *  - values cross-checked against PyKMIP 0.10 `kmip.core.enums` (complete up to 2.0).
 *
 * Value names are the XML/JSON encoding names (KMIP Profiles 5.4.1.1, `normalizeName` in
 * ./tags), e.g. 'Symmetric Key' -> `SymmetricKey`, '3DES' -> `DES3`, 'SHA-256' -> `SHA_256`,
 * 'PKCS#1' -> `PKCS_1`, 'Pre-Active' -> `PreActive`, 'Re-key' -> `ReKey`; these are the
 * spellings used by the OASIS XML test cases. A trailing comment gives the spec's own spelling
 * where it differs by more than removed spaces. Values that 2.x designates "(Reserved)"
 * (e.g. Object Type `Template`, Key Format Type `TransparentECDSAPrivateKey`) are kept for 1.x.
 *
 * Masks (Cryptographic Usage Mask, Storage Status Mask, Protection Storage Mask) are Integer
 * items; the XML encoding writes them as space-separated names ("Encrypt Decrypt").
 *
 * Attribute Reference (2.x): there is no dedicated enumeration. An Attribute Reference is
 * either a Structure (Vendor Identification + Attribute Name) or an Enumeration whose values
 * are tag numbers, so `ENUM_BY_TAG` maps `Tag.AttributeReference` (and `Tag.Tag`) to the
 * `Tag` table itself.
 *
 * `ENUM_BY_TAG` says which enumeration an Enumeration-typed item with that tag uses; it does
 * not imply the tag is always an Enumeration (2.x `UniqueIdentifier` is usually a Text String,
 * `Data` a Byte String, 1.x `AsynchronousIndicator` a Boolean, 1.x `ExtensionType` an Integer).
 *
 * Generated from those tables; edit the data, keep the shape (`as const`, no duplicates).
 */

import { Tag } from './tags';

/** An enumeration or mask table: value name -> numeric value. */
export type EnumTable = Readonly<Record<string, number>>;

/** Enumeration 'Adjustment Type', KMIP 2.0. Field tag(s): Tag.AdjustmentType. */
export const AdjustmentType = {
  Increment: 0x00000001,
  Decrement: 0x00000002,
  Negate: 0x00000003,
} as const;

/** Enumeration 'Alternative Name Type', KMIP 1.2. Field tag(s): Tag.AlternativeNameType. */
export const AlternativeNameType = {
  UninterpretedTextString: 0x00000001,
  URI: 0x00000002,
  ObjectSerialNumber: 0x00000003,
  EmailAddress: 0x00000004,
  DNSName: 0x00000005,
  X_500DistinguishedName: 0x00000006, // 'X.500 Distinguished Name'
  IPAddress: 0x00000007,
} as const;

/** Enumeration 'Asynchronous Indicator', KMIP 2.0 (Boolean in 1.x). Field tag(s): Tag.AsynchronousIndicator. */
export const AsynchronousIndicator = {
  Mandatory: 0x00000001,
  Optional: 0x00000002,
  Prohibited: 0x00000003,
} as const;

/** Enumeration 'Attestation Type', KMIP 1.2. Field tag(s): Tag.AttestationType. */
export const AttestationType = {
  TPMQuote: 0x00000001,
  TCGIntegrityReport: 0x00000002,
  SAMLAssertion: 0x00000003,
} as const;

/** Enumeration 'Batch Error Continuation Option', KMIP 1.0. Field tag(s): Tag.BatchErrorContinuationOption. */
export const BatchErrorContinuationOption = {
  Continue: 0x00000001,
  Stop: 0x00000002,
  Undo: 0x00000003,
} as const;

/** Enumeration 'Block Cipher Mode', KMIP 1.0. Field tag(s): Tag.BlockCipherMode. */
export const BlockCipherMode = {
  CBC: 0x00000001,
  ECB: 0x00000002,
  PCBC: 0x00000003,
  CFB: 0x00000004,
  OFB: 0x00000005,
  CTR: 0x00000006,
  CMAC: 0x00000007,
  CCM: 0x00000008,
  GCM: 0x00000009,
  CBC_MAC: 0x0000000A, // 'CBC-MAC'
  XTS: 0x0000000B,
  AESKeyWrapPadding: 0x0000000C,
  NISTKeyWrap: 0x0000000D,
  X9_102AESKW: 0x0000000E, // 'X9.102 AESKW'
  X9_102TDKW: 0x0000000F, // 'X9.102 TDKW'
  X9_102AKW1: 0x00000010, // 'X9.102 AKW1'
  X9_102AKW2: 0x00000011, // 'X9.102 AKW2'
  AEAD: 0x00000012,
} as const;

/** Enumeration 'Cancellation Result', KMIP 1.0. Field tag(s): Tag.CancellationResult. */
export const CancellationResult = {
  Canceled: 0x00000001,
  UnableToCancel: 0x00000002, // 'Unable to Cancel'
  Completed: 0x00000003,
  Failed: 0x00000004,
  Unavailable: 0x00000005,
} as const;

/** Enumeration 'Certificate Request Type', KMIP 1.0. Field tag(s): Tag.CertificateRequestType. */
export const CertificateRequestType = {
  CRMF: 0x00000001,
  PKCS_10: 0x00000002, // 'PKCS#10'
  PEM: 0x00000003,
  PGP: 0x00000004,
} as const;

/** Enumeration 'Certificate Type', KMIP 1.0. Field tag(s): Tag.CertificateType. */
export const CertificateType = {
  X_509: 0x00000001, // 'X.509'
  PGP: 0x00000002,
} as const;

/** Enumeration 'Client Registration Method', KMIP 1.3. Field tag(s): Tag.ClientRegistrationMethod. */
export const ClientRegistrationMethod = {
  Unspecified: 0x00000001,
  ServerPreGenerated: 0x00000002, // 'Server Pre-Generated'
  ServerOnDemand: 0x00000003, // 'Server On-Demand'
  ClientGenerated: 0x00000004,
  ClientRegistered: 0x00000005,
} as const;

/** Enumeration 'Credential Type', KMIP 1.0. Field tag(s): Tag.CredentialType. */
export const CredentialType = {
  UsernameAndPassword: 0x00000001, // 'Username and Password'
  Device: 0x00000002,
  Attestation: 0x00000003,
  OneTimePassword: 0x00000004,
  HashedPassword: 0x00000005,
  Ticket: 0x00000006,
} as const;

/** Enumeration 'Cryptographic Algorithm', KMIP 1.0. Field tag(s): Tag.CryptographicAlgorithm. */
export const CryptographicAlgorithm = {
  DES: 0x00000001,
  DES3: 0x00000002, // '3DES'
  AES: 0x00000003,
  RSA: 0x00000004,
  DSA: 0x00000005,
  ECDSA: 0x00000006,
  HMAC_SHA1: 0x00000007, // 'HMAC-SHA1'
  HMAC_SHA224: 0x00000008, // 'HMAC-SHA224'
  HMAC_SHA256: 0x00000009, // 'HMAC-SHA256'
  HMAC_SHA384: 0x0000000A, // 'HMAC-SHA384'
  HMAC_SHA512: 0x0000000B, // 'HMAC-SHA512'
  HMAC_MD5: 0x0000000C, // 'HMAC-MD5'
  DH: 0x0000000D,
  ECDH: 0x0000000E,
  ECMQV: 0x0000000F,
  Blowfish: 0x00000010,
  Camellia: 0x00000011,
  CAST5: 0x00000012,
  IDEA: 0x00000013,
  MARS: 0x00000014,
  RC2: 0x00000015,
  RC4: 0x00000016,
  RC5: 0x00000017,
  SKIPJACK: 0x00000018,
  Twofish: 0x00000019,
  EC: 0x0000001A,
  OneTimePad: 0x0000001B,
  ChaCha20: 0x0000001C,
  Poly1305: 0x0000001D,
  ChaCha20Poly1305: 0x0000001E,
  SHA3_224: 0x0000001F, // 'SHA3-224'
  SHA3_256: 0x00000020, // 'SHA3-256'
  SHA3_384: 0x00000021, // 'SHA3-384'
  SHA3_512: 0x00000022, // 'SHA3-512'
  HMAC_SHA3_224: 0x00000023, // 'HMAC-SHA3-224'
  HMAC_SHA3_256: 0x00000024, // 'HMAC-SHA3-256'
  HMAC_SHA3_384: 0x00000025, // 'HMAC-SHA3-384'
  HMAC_SHA3_512: 0x00000026, // 'HMAC-SHA3-512'
  SHAKE_128: 0x00000027, // 'SHAKE-128'
  SHAKE_256: 0x00000028, // 'SHAKE-256'
  ARIA: 0x00000029,
  SEED: 0x0000002A,
  SM2: 0x0000002B,
  SM3: 0x0000002C,
  SM4: 0x0000002D,
  GOSTR34_10_2012: 0x0000002E, // 'GOST R 34.10-2012'
  GOSTR34_11_2012: 0x0000002F, // 'GOST R 34.11-2012'
  GOSTR34_13_2015: 0x00000030, // 'GOST R 34.13-2015'
  GOST28147_89: 0x00000031, // 'GOST 28147-89'
  XMSS: 0x00000032,
  SPHINCS_256: 0x00000033, // 'SPHINCS-256'
  McEliece: 0x00000034,
  McEliece_6960119: 0x00000035, // 'McEliece-6960119'
  McEliece_8192128: 0x00000036, // 'McEliece-8192128'
  Ed25519: 0x00000037,
  Ed448: 0x00000038,
} as const;

/** Enumeration 'Data', KMIP 2.0 (the Data tag is normally a Byte String). Field tag(s): Tag.Data. */
export const Data = {
  Decrypt: 0x00000001,
  Encrypt: 0x00000002,
  Hash: 0x00000003,
  MACMACData: 0x00000004,
  RNGRetrieve: 0x00000005,
  SignSignatureData: 0x00000006,
  SignatureVerify: 0x00000007,
} as const;

/** Enumeration 'Derivation Method', KMIP 1.0. Field tag(s): Tag.DerivationMethod. */
export const DerivationMethod = {
  PBKDF2: 0x00000001,
  HASH: 0x00000002,
  HMAC: 0x00000003,
  ENCRYPT: 0x00000004,
  NIST800_108_C: 0x00000005, // 'NIST800-108-C'
  NIST800_108_F: 0x00000006, // 'NIST800-108-F'
  NIST800_108_DPI: 0x00000007, // 'NIST800-108-DPI'
  AsymmetricKey: 0x00000008,
  AWSSignatureVersion4: 0x00000009,
  HKDF: 0x0000000A,
} as const;

/** Enumeration 'Destroy Action', KMIP 1.3. Field tag(s): Tag.DestroyAction. */
export const DestroyAction = {
  Unspecified: 0x00000001,
  KeyMaterialDeleted: 0x00000002,
  KeyMaterialShredded: 0x00000003,
  MetaDataDeleted: 0x00000004,
  MetaDataShredded: 0x00000005,
  Deleted: 0x00000006,
  Shredded: 0x00000007,
} as const;

/** Enumeration 'Digital Signature Algorithm', KMIP 1.1. Field tag(s): Tag.DigitalSignatureAlgorithm. */
export const DigitalSignatureAlgorithm = {
  MD2WithRSAEncryption: 0x00000001, // 'MD2 with RSA Encryption'
  MD5WithRSAEncryption: 0x00000002, // 'MD5 with RSA Encryption'
  SHA_1WithRSAEncryption: 0x00000003, // 'SHA-1 with RSA Encryption'
  SHA_224WithRSAEncryption: 0x00000004, // 'SHA-224 with RSA Encryption'
  SHA_256WithRSAEncryption: 0x00000005, // 'SHA-256 with RSA Encryption'
  SHA_384WithRSAEncryption: 0x00000006, // 'SHA-384 with RSA Encryption'
  SHA_512WithRSAEncryption: 0x00000007, // 'SHA-512 with RSA Encryption'
  RSASSA_PSS: 0x00000008, // 'RSASSA-PSS'
  DSAWithSHA_1: 0x00000009, // 'DSA with SHA-1'
  DSAWithSHA224: 0x0000000A, // 'DSA with SHA224'
  DSAWithSHA256: 0x0000000B, // 'DSA with SHA256'
  ECDSAWithSHA_1: 0x0000000C, // 'ECDSA with SHA-1'
  ECDSAWithSHA224: 0x0000000D, // 'ECDSA with SHA224'
  ECDSAWithSHA256: 0x0000000E, // 'ECDSA with SHA256'
  ECDSAWithSHA384: 0x0000000F, // 'ECDSA with SHA384'
  ECDSAWithSHA512: 0x00000010, // 'ECDSA with SHA512'
  SHA3_256WithRSAEncryption: 0x00000011, // 'SHA3-256 with RSA Encryption'
  SHA3_384WithRSAEncryption: 0x00000012, // 'SHA3-384 with RSA Encryption'
  SHA3_512WithRSAEncryption: 0x00000013, // 'SHA3-512 with RSA Encryption'
} as const;

/** Enumeration 'DRBG Algorithm', KMIP 1.3. Field tag(s): Tag.DRBGAlgorithm. */
export const DRBGAlgorithm = {
  Unspecified: 0x00000001,
  Dual_EC: 0x00000002, // 'Dual-EC'
  Hash: 0x00000003,
  HMAC: 0x00000004,
  CTR: 0x00000005,
} as const;

/** Enumeration 'Encoding Option', KMIP 1.1. Field tag(s): Tag.EncodingOption. */
export const EncodingOption = {
  NoEncoding: 0x00000001,
  TTLVEncoding: 0x00000002,
} as const;

/** Enumeration 'Endpoint Role', KMIP 2.0. Field tag(s): Tag.EndpointRole. */
export const EndpointRole = {
  Client: 0x00000001,
  Server: 0x00000002,
} as const;

/** Enumeration 'FIPS186 Variation', KMIP 1.3. Field tag(s): Tag.FIPS186Variation. */
export const FIPS186Variation = {
  Unspecified: 0x00000001,
  GPXOriginal: 0x00000002, // 'GP x-Original'
  GPXChangeNotice: 0x00000003, // 'GP x-Change Notice'
  XOriginal: 0x00000004, // 'x-Original'
  XChangeNotice: 0x00000005, // 'x-Change Notice'
  KOriginal: 0x00000006, // 'k-Original'
  KChangeNotice: 0x00000007, // 'k-Change Notice'
} as const;

/** Enumeration 'Hashing Algorithm', KMIP 1.0. Field tag(s): Tag.HashingAlgorithm, Tag.MaskGeneratorHashingAlgorithm. */
export const HashingAlgorithm = {
  MD2: 0x00000001,
  MD4: 0x00000002,
  MD5: 0x00000003,
  SHA_1: 0x00000004, // 'SHA-1'
  SHA_224: 0x00000005, // 'SHA-224'
  SHA_256: 0x00000006, // 'SHA-256'
  SHA_384: 0x00000007, // 'SHA-384'
  SHA_512: 0x00000008, // 'SHA-512'
  RIPEMD_160: 0x00000009, // 'RIPEMD-160'
  Tiger: 0x0000000A,
  Whirlpool: 0x0000000B,
  SHA_512_224: 0x0000000C, // 'SHA-512/224'
  SHA_512_256: 0x0000000D, // 'SHA-512/256'
  SHA3_224: 0x0000000E, // 'SHA3-224'
  SHA3_256: 0x0000000F, // 'SHA3-256'
  SHA3_384: 0x00000010, // 'SHA3-384'
  SHA3_512: 0x00000011, // 'SHA3-512'
} as const;

/** Enumeration 'Interop Function', KMIP 2.0. Field tag(s): Tag.InteropFunction. */
export const InteropFunction = {
  Begin: 0x00000001,
  End: 0x00000002,
  Reset: 0x00000003,
} as const;

/** Enumeration 'Extension Type', KMIP 2.0 (Extension Type is an Integer in 1.x). Field tag(s): Tag.ExtensionType. */
export const ItemType = {
  Structure: 0x00000001,
  Integer: 0x00000002,
  LongInteger: 0x00000003,
  BigInteger: 0x00000004,
  Enumeration: 0x00000005,
  Boolean: 0x00000006,
  TextString: 0x00000007,
  ByteString: 0x00000008,
  DateTime: 0x00000009,
  Interval: 0x0000000A,
  DateTimeExtended: 0x0000000B,
} as const;

/** Enumeration 'Key Compression Type', KMIP 1.0. Field tag(s): Tag.KeyCompressionType. */
export const KeyCompressionType = {
  ECPublicKeyTypeUncompressed: 0x00000001,
  ECPublicKeyTypeX9_62CompressedPrime: 0x00000002, // 'EC Public Key Type X9.62 Compressed Prime'
  ECPublicKeyTypeX9_62CompressedChar2: 0x00000003, // 'EC Public Key Type X9.62 Compressed Char2'
  ECPublicKeyTypeX9_62Hybrid: 0x00000004, // 'EC Public Key Type X9.62 Hybrid'
} as const;

/** Enumeration 'Key Format Type', KMIP 1.0. Field tag(s): Tag.KeyFormatType. */
export const KeyFormatType = {
  Raw: 0x00000001,
  Opaque: 0x00000002,
  PKCS_1: 0x00000003, // 'PKCS#1'
  PKCS_8: 0x00000004, // 'PKCS#8'
  X_509: 0x00000005, // 'X.509'
  ECPrivateKey: 0x00000006,
  TransparentSymmetricKey: 0x00000007,
  TransparentDSAPrivateKey: 0x00000008,
  TransparentDSAPublicKey: 0x00000009,
  TransparentRSAPrivateKey: 0x0000000A,
  TransparentRSAPublicKey: 0x0000000B,
  TransparentDHPrivateKey: 0x0000000C,
  TransparentDHPublicKey: 0x0000000D,
  TransparentECDSAPrivateKey: 0x0000000E,
  TransparentECDSAPublicKey: 0x0000000F,
  TransparentECDHPrivateKey: 0x00000010,
  TransparentECDHPublicKey: 0x00000011,
  TransparentECMQVPrivateKey: 0x00000012,
  TransparentECMQVPublicKey: 0x00000013,
  TransparentECPrivateKey: 0x00000014,
  TransparentECPublicKey: 0x00000015,
  PKCS_12: 0x00000016, // 'PKCS#12'
} as const;

/** Enumeration 'Key Role Type', KMIP 1.0. Field tag(s): Tag.KeyRoleType. */
export const KeyRoleType = {
  BDK: 0x00000001,
  CVK: 0x00000002,
  DEK: 0x00000003,
  MKAC: 0x00000004,
  MKSMC: 0x00000005,
  MKSMI: 0x00000006,
  MKDAC: 0x00000007,
  MKDN: 0x00000008,
  MKCP: 0x00000009,
  MKOTH: 0x0000000A,
  KEK: 0x0000000B,
  MAC16609: 0x0000000C,
  MAC97971: 0x0000000D,
  MAC97972: 0x0000000E,
  MAC97973: 0x0000000F,
  MAC97974: 0x00000010,
  MAC97975: 0x00000011,
  ZPK: 0x00000012,
  PVKIBM: 0x00000013,
  PVKPVV: 0x00000014,
  PVKOTH: 0x00000015,
  DUKPT: 0x00000016,
  IV: 0x00000017,
  TRKBK: 0x00000018,
} as const;

/** Enumeration 'Key Value Location Type', KMIP 1.2. Field tag(s): Tag.KeyValueLocationType. */
export const KeyValueLocationType = {
  UninterpretedTextString: 0x00000001,
  URI: 0x00000002,
} as const;

/** Enumeration 'Key Wrap Type', KMIP 1.4. Field tag(s): Tag.KeyWrapType. */
export const KeyWrapType = {
  NotWrapped: 0x00000001,
  AsRegistered: 0x00000002,
} as const;

/** Enumeration 'Link Type', KMIP 1.0. Field tag(s): Tag.LinkType. */
export const LinkType = {
  CertificateLink: 0x00000101,
  PublicKeyLink: 0x00000102,
  PrivateKeyLink: 0x00000103,
  DerivationBaseObjectLink: 0x00000104,
  DerivedKeyLink: 0x00000105,
  ReplacementObjectLink: 0x00000106,
  ReplacedObjectLink: 0x00000107,
  ParentLink: 0x00000108,
  ChildLink: 0x00000109,
  PreviousLink: 0x0000010A,
  NextLink: 0x0000010B,
  PKCS_12CertificateLink: 0x0000010C, // 'PKCS#12 Certificate Link'
  PKCS_12PasswordLink: 0x0000010D, // 'PKCS#12 Password Link'
  WrappingKeyLink: 0x0000010E,
} as const;

/** Enumeration 'Mask Generator', KMIP 1.4. Field tag(s): Tag.MaskGenerator. */
export const MaskGenerator = {
  MGF1: 0x00000001,
} as const;

/** Enumeration 'Name Type', KMIP 1.0. Field tag(s): Tag.NameType. */
export const NameType = {
  UninterpretedTextString: 0x00000001,
  URI: 0x00000002,
} as const;

/** Enumeration 'NIST Key Type', KMIP 2.0. Field tag(s): Tag.NISTKeyType. */
export const NISTKeyType = {
  PrivateSignatureKey: 0x00000001, // 'Private signature key'
  PublicSignatureVerificationKey: 0x00000002, // 'Public signature verification key'
  SymmetricAuthenticationKey: 0x00000003, // 'Symmetric authentication key'
  PrivateAuthenticationKey: 0x00000004, // 'Private authentication key'
  PublicAuthenticationKey: 0x00000005, // 'Public authentication key'
  SymmetricDataEncryptionKey: 0x00000006, // 'Symmetric data encryption key'
  SymmetricKeyWrappingKey: 0x00000007, // 'Symmetric key wrapping key'
  SymmetricRandomNumberGenerationKey: 0x00000008, // 'Symmetric random number generation key'
  SymmetricMasterKey: 0x00000009, // 'Symmetric master key'
  PrivateKeyTransportKey: 0x0000000A, // 'Private key transport key'
  PublicKeyTransportKey: 0x0000000B, // 'Public key transport key'
  SymmetricKeyAgreementKey: 0x0000000C, // 'Symmetric key agreement key'
  PrivateStaticKeyAgreementKey: 0x0000000D, // 'Private static key agreement key'
  PublicStaticKeyAgreementKey: 0x0000000E, // 'Public static key agreement key'
  PrivateEphemeralKeyAgreementKey: 0x0000000F, // 'Private ephemeral key agreement key'
  PublicEphemeralKeyAgreementKey: 0x00000010, // 'Public ephemeral key agreement key'
  SymmetricAuthorizationKey: 0x00000011, // 'Symmetric authorization key'
  PrivateAuthorizationKey: 0x00000012, // 'Private authorization key'
  PublicAuthorizationKey: 0x00000013, // 'Public authorization key'
} as const;

/** Enumeration 'Object Group Member', KMIP 1.1. Field tag(s): Tag.ObjectGroupMember. */
export const ObjectGroupMember = {
  GroupMemberFresh: 0x00000001,
  GroupMemberDefault: 0x00000002,
} as const;

/** Enumeration 'Object Type', KMIP 1.0. Field tag(s): Tag.ObjectType. */
export const ObjectType = {
  Certificate: 0x00000001,
  SymmetricKey: 0x00000002,
  PublicKey: 0x00000003,
  PrivateKey: 0x00000004,
  SplitKey: 0x00000005,
  Template: 0x00000006,
  SecretData: 0x00000007,
  OpaqueObject: 0x00000008,
  PGPKey: 0x00000009,
  CertificateRequest: 0x0000000A,
} as const;

/** Enumeration 'Opaque Data Type', KMIP 1.0 (no standard values; extensions only). Field tag(s): Tag.OpaqueDataType. */
export const OpaqueDataType = {} as const satisfies EnumTable;

/** Enumeration 'Operation', KMIP 1.0. Field tag(s): Tag.Operation. */
export const Operation = {
  Create: 0x00000001,
  CreateKeyPair: 0x00000002,
  Register: 0x00000003,
  ReKey: 0x00000004, // 'Re-key'
  DeriveKey: 0x00000005,
  Certify: 0x00000006,
  ReCertify: 0x00000007, // 'Re-certify'
  Locate: 0x00000008,
  Check: 0x00000009,
  Get: 0x0000000A,
  GetAttributes: 0x0000000B,
  GetAttributeList: 0x0000000C,
  AddAttribute: 0x0000000D,
  ModifyAttribute: 0x0000000E,
  DeleteAttribute: 0x0000000F,
  ObtainLease: 0x00000010,
  GetUsageAllocation: 0x00000011,
  Activate: 0x00000012,
  Revoke: 0x00000013,
  Destroy: 0x00000014,
  Archive: 0x00000015,
  Recover: 0x00000016,
  Validate: 0x00000017,
  Query: 0x00000018,
  Cancel: 0x00000019,
  Poll: 0x0000001A,
  Notify: 0x0000001B,
  Put: 0x0000001C,
  ReKeyKeyPair: 0x0000001D, // 'Re-key Key Pair'
  DiscoverVersions: 0x0000001E,
  Encrypt: 0x0000001F,
  Decrypt: 0x00000020,
  Sign: 0x00000021,
  SignatureVerify: 0x00000022,
  MAC: 0x00000023,
  MACVerify: 0x00000024,
  RNGRetrieve: 0x00000025,
  RNGSeed: 0x00000026,
  Hash: 0x00000027,
  CreateSplitKey: 0x00000028,
  JoinSplitKey: 0x00000029,
  Import: 0x0000002A,
  Export: 0x0000002B,
  Log: 0x0000002C,
  Login: 0x0000002D,
  Logout: 0x0000002E,
  DelegatedLogin: 0x0000002F,
  AdjustAttribute: 0x00000030,
  SetAttribute: 0x00000031,
  SetEndpointRole: 0x00000032,
  PKCS_11: 0x00000033, // 'PKCS#11'
  Interop: 0x00000034,
  ReProvision: 0x00000035, // 'Re-Provision'
  SetDefaults: 0x00000036,
  SetConstraints: 0x00000037,
  GetConstraints: 0x00000038,
  QueryAsynchronousRequests: 0x00000039,
  Process: 0x0000003A,
  Ping: 0x0000003B,
} as const;

/** Enumeration 'Padding Method', KMIP 1.0. Field tag(s): Tag.PaddingMethod. */
export const PaddingMethod = {
  None: 0x00000001,
  OAEP: 0x00000002,
  PKCS5: 0x00000003,
  SSL3: 0x00000004,
  Zeros: 0x00000005,
  ANSIX9_23: 0x00000006, // 'ANSI X9.23'
  ISO10126: 0x00000007,
  PKCS1V1_5: 0x00000008, // 'PKCS1 v1.5'
  X9_31: 0x00000009, // 'X9.31'
  PSS: 0x0000000A,
} as const;

/** Enumeration 'PKCS#11 Function', KMIP 2.0 (values are CK_FUNCTION_LIST_3_0 offsets, not listed). Field tag(s): Tag.PKCS_11Function. */
export const PKCS_11Function = {} as const satisfies EnumTable;

/** Enumeration 'PKCS#11 Return Code', KMIP 2.0 (values are PKCS#11 CK_RV codes, not listed). Field tag(s): Tag.PKCS_11ReturnCode. */
export const PKCS_11ReturnCode = {} as const satisfies EnumTable;

/** Enumeration 'Processing Stage', KMIP 2.1. Field tag(s): Tag.ProcessingStage. */
export const ProcessingStage = {
  Submitted: 0x00000001,
  InProcess: 0x00000002,
  Completed: 0x00000003,
} as const;

/** Enumeration 'Profile Name', KMIP 1.3. Field tag(s): Tag.ProfileName. */
export const ProfileName = {
  BaselineServerBasicKMIPV1_2: 0x00000001, // 'Baseline Server Basic KMIP v1.2'
  BaselineServerTLSV1_2KMIPV1_2: 0x00000002, // 'Baseline Server TLS v1.2 KMIP v1.2'
  BaselineClientBasicKMIPV1_2: 0x00000003, // 'Baseline Client Basic KMIP v1.2'
  BaselineClientTLSV1_2KMIPV1_2: 0x00000004, // 'Baseline Client TLS v1.2 KMIP v1.2'
  CompleteServerBasicKMIPV1_2: 0x00000005, // 'Complete Server Basic KMIP v1.2'
  CompleteServerTLSV1_2KMIPV1_2: 0x00000006, // 'Complete Server TLS v1.2 KMIP v1.2'
  TapeLibraryClientKMIPV1_0: 0x00000007, // 'Tape Library Client KMIP v1.0'
  TapeLibraryClientKMIPV1_1: 0x00000008, // 'Tape Library Client KMIP v1.1'
  TapeLibraryClientKMIPV1_2: 0x00000009, // 'Tape Library Client KMIP v1.2'
  TapeLibraryServerKMIPV1_0: 0x0000000A, // 'Tape Library Server KMIP v1.0'
  TapeLibraryServerKMIPV1_1: 0x0000000B, // 'Tape Library Server KMIP v1.1'
  TapeLibraryServerKMIPV1_2: 0x0000000C, // 'Tape Library Server KMIP v1.2'
  SymmetricKeyLifecycleClientKMIPV1_0: 0x0000000D, // 'Symmetric Key Lifecycle Client KMIP v1.0'
  SymmetricKeyLifecycleClientKMIPV1_1: 0x0000000E, // 'Symmetric Key Lifecycle Client KMIP v1.1'
  SymmetricKeyLifecycleClientKMIPV1_2: 0x0000000F, // 'Symmetric Key Lifecycle Client KMIP v1.2'
  SymmetricKeyLifecycleServerKMIPV1_0: 0x00000010, // 'Symmetric Key Lifecycle Server KMIP v1.0'
  SymmetricKeyLifecycleServerKMIPV1_1: 0x00000011, // 'Symmetric Key Lifecycle Server KMIP v1.1'
  SymmetricKeyLifecycleServerKMIPV1_2: 0x00000012, // 'Symmetric Key Lifecycle Server KMIP v1.2'
  AsymmetricKeyLifecycleClientKMIPV1_0: 0x00000013, // 'Asymmetric Key Lifecycle Client KMIP v1.0'
  AsymmetricKeyLifecycleClientKMIPV1_1: 0x00000014, // 'Asymmetric Key Lifecycle Client KMIP v1.1'
  AsymmetricKeyLifecycleClientKMIPV1_2: 0x00000015, // 'Asymmetric Key Lifecycle Client KMIP v1.2'
  AsymmetricKeyLifecycleServerKMIPV1_0: 0x00000016, // 'Asymmetric Key Lifecycle Server KMIP v1.0'
  AsymmetricKeyLifecycleServerKMIPV1_1: 0x00000017, // 'Asymmetric Key Lifecycle Server KMIP v1.1'
  AsymmetricKeyLifecycleServerKMIPV1_2: 0x00000018, // 'Asymmetric Key Lifecycle Server KMIP v1.2'
  BasicCryptographicClientKMIPV1_2: 0x00000019, // 'Basic Cryptographic Client KMIP v1.2'
  BasicCryptographicServerKMIPV1_2: 0x0000001A, // 'Basic Cryptographic Server KMIP v1.2'
  AdvancedCryptographicClientKMIPV1_2: 0x0000001B, // 'Advanced Cryptographic Client KMIP v1.2'
  AdvancedCryptographicServerKMIPV1_2: 0x0000001C, // 'Advanced Cryptographic Server KMIP v1.2'
  RNGCryptographicClientKMIPV1_2: 0x0000001D, // 'RNG Cryptographic Client KMIP v1.2'
  RNGCryptographicServerKMIPV1_2: 0x0000001E, // 'RNG Cryptographic Server KMIP v1.2'
  BasicSymmetricKeyFoundryClientKMIPV1_0: 0x0000001F, // 'Basic Symmetric Key Foundry Client KMIP v1.0'
  IntermediateSymmetricKeyFoundryClientKMIPV1_0: 0x00000020, // 'Intermediate Symmetric Key Foundry Client KMIP v1.0'
  AdvancedSymmetricKeyFoundryClientKMIPV1_0: 0x00000021, // 'Advanced Symmetric Key Foundry Client KMIP v1.0'
  BasicSymmetricKeyFoundryClientKMIPV1_1: 0x00000022, // 'Basic Symmetric Key Foundry Client KMIP v1.1'
  IntermediateSymmetricKeyFoundryClientKMIPV1_1: 0x00000023, // 'Intermediate Symmetric Key Foundry Client KMIP v1.1'
  AdvancedSymmetricKeyFoundryClientKMIPV1_1: 0x00000024, // 'Advanced Symmetric Key Foundry Client KMIP v1.1'
  BasicSymmetricKeyFoundryClientKMIPV1_2: 0x00000025, // 'Basic Symmetric Key Foundry Client KMIP v1.2'
  IntermediateSymmetricKeyFoundryClientKMIPV1_2: 0x00000026, // 'Intermediate Symmetric Key Foundry Client KMIP v1.2'
  AdvancedSymmetricKeyFoundryClientKMIPV1_2: 0x00000027, // 'Advanced Symmetric Key Foundry Client KMIP v1.2'
  SymmetricKeyFoundryServerKMIPV1_0: 0x00000028, // 'Symmetric Key Foundry Server KMIP v1.0'
  SymmetricKeyFoundryServerKMIPV1_1: 0x00000029, // 'Symmetric Key Foundry Server KMIP v1.1'
  SymmetricKeyFoundryServerKMIPV1_2: 0x0000002A, // 'Symmetric Key Foundry Server KMIP v1.2'
  OpaqueManagedObjectStoreClientKMIPV1_0: 0x0000002B, // 'Opaque Managed Object Store Client KMIP v1.0'
  OpaqueManagedObjectStoreClientKMIPV1_1: 0x0000002C, // 'Opaque Managed Object Store Client KMIP v1.1'
  OpaqueManagedObjectStoreClientKMIPV1_2: 0x0000002D, // 'Opaque Managed Object Store Client KMIP v1.2'
  OpaqueManagedObjectStoreServerKMIPV1_0: 0x0000002E, // 'Opaque Managed Object Store Server KMIP v1.0'
  OpaqueManagedObjectStoreServerKMIPV1_1: 0x0000002F, // 'Opaque Managed Object Store Server KMIP v1.1'
  OpaqueManagedObjectStoreServerKMIPV1_2: 0x00000030, // 'Opaque Managed Object Store Server KMIP v1.2'
  SuiteBMinLOS_128ClientKMIPV1_0: 0x00000031, // 'Suite B minLOS_128 Client KMIP v1.0'
  SuiteBMinLOS_128ClientKMIPV1_1: 0x00000032, // 'Suite B minLOS_128 Client KMIP v1.1'
  SuiteBMinLOS_128ClientKMIPV1_2: 0x00000033, // 'Suite B minLOS_128 Client KMIP v1.2'
  SuiteBMinLOS_128ServerKMIPV1_0: 0x00000034, // 'Suite B minLOS_128 Server KMIP v1.0'
  SuiteBMinLOS_128ServerKMIPV1_1: 0x00000035, // 'Suite B minLOS_128 Server KMIP v1.1'
  SuiteBMinLOS_128ServerKMIPV1_2: 0x00000036, // 'Suite B minLOS_128 Server KMIP v1.2'
  SuiteBMinLOS_192ClientKMIPV1_0: 0x00000037, // 'Suite B minLOS_192 Client KMIP v1.0'
  SuiteBMinLOS_192ClientKMIPV1_1: 0x00000038, // 'Suite B minLOS_192 Client KMIP v1.1'
  SuiteBMinLOS_192ClientKMIPV1_2: 0x00000039, // 'Suite B minLOS_192 Client KMIP v1.2'
  SuiteBMinLOS_192ServerKMIPV1_0: 0x0000003A, // 'Suite B minLOS_192 Server KMIP v1.0'
  SuiteBMinLOS_192ServerKMIPV1_1: 0x0000003B, // 'Suite B minLOS_192 Server KMIP v1.1'
  SuiteBMinLOS_192ServerKMIPV1_2: 0x0000003C, // 'Suite B minLOS_192 Server KMIP v1.2'
  StorageArrayWithSelfEncryptingDriveClientKMIPV1_0: 0x0000003D, // 'Storage Array with Self Encrypting Drive Client KMIP v1.0'
  StorageArrayWithSelfEncryptingDriveClientKMIPV1_1: 0x0000003E, // 'Storage Array with Self Encrypting Drive Client KMIP v1.1'
  StorageArrayWithSelfEncryptingDriveClientKMIPV1_2: 0x0000003F, // 'Storage Array with Self Encrypting Drive Client KMIP v1.2'
  StorageArrayWithSelfEncryptingDriveServerKMIPV1_0: 0x00000040, // 'Storage Array with Self Encrypting Drive Server KMIP v1.0'
  StorageArrayWithSelfEncryptingDriveServerKMIPV1_1: 0x00000041, // 'Storage Array with Self Encrypting Drive Server KMIP v1.1'
  StorageArrayWithSelfEncryptingDriveServerKMIPV1_2: 0x00000042, // 'Storage Array with Self Encrypting Drive Server KMIP v1.2'
  HTTPSClientKMIPV1_0: 0x00000043, // 'HTTPS Client KMIP v1.0'
  HTTPSClientKMIPV1_1: 0x00000044, // 'HTTPS Client KMIP v1.1'
  HTTPSClientKMIPV1_2: 0x00000045, // 'HTTPS Client KMIP v1.2'
  HTTPSServerKMIPV1_0: 0x00000046, // 'HTTPS Server KMIP v1.0'
  HTTPSServerKMIPV1_1: 0x00000047, // 'HTTPS Server KMIP v1.1'
  HTTPSServerKMIPV1_2: 0x00000048, // 'HTTPS Server KMIP v1.2'
  JSONClientKMIPV1_0: 0x00000049, // 'JSON Client KMIP v1.0'
  JSONClientKMIPV1_1: 0x0000004A, // 'JSON Client KMIP v1.1'
  JSONClientKMIPV1_2: 0x0000004B, // 'JSON Client KMIP v1.2'
  JSONServerKMIPV1_0: 0x0000004C, // 'JSON Server KMIP v1.0'
  JSONServerKMIPV1_1: 0x0000004D, // 'JSON Server KMIP v1.1'
  JSONServerKMIPV1_2: 0x0000004E, // 'JSON Server KMIP v1.2'
  XMLClientKMIPV1_0: 0x0000004F, // 'XML Client KMIP v1.0'
  XMLClientKMIPV1_1: 0x00000050, // 'XML Client KMIP v1.1'
  XMLClientKMIPV1_2: 0x00000051, // 'XML Client KMIP v1.2'
  XMLServerKMIPV1_0: 0x00000052, // 'XML Server KMIP v1.0'
  XMLServerKMIPV1_1: 0x00000053, // 'XML Server KMIP v1.1'
  XMLServerKMIPV1_2: 0x00000054, // 'XML Server KMIP v1.2'
  BaselineServerBasicKMIPV1_3: 0x00000055, // 'Baseline Server Basic KMIP v1.3'
  BaselineServerTLSV1_2KMIPV1_3: 0x00000056, // 'Baseline Server TLS v1.2 KMIP v1.3'
  BaselineClientBasicKMIPV1_3: 0x00000057, // 'Baseline Client Basic KMIP v1.3'
  BaselineClientTLSV1_2KMIPV1_3: 0x00000058, // 'Baseline Client TLS v1.2 KMIP v1.3'
  CompleteServerBasicKMIPV1_3: 0x00000059, // 'Complete Server Basic KMIP v1.3'
  CompleteServerTLSV1_2KMIPV1_3: 0x0000005A, // 'Complete Server TLS v1.2 KMIP v1.3'
  TapeLibraryClientKMIPV1_3: 0x0000005B, // 'Tape Library Client KMIP v1.3'
  TapeLibraryServerKMIPV1_3: 0x0000005C, // 'Tape Library Server KMIP v1.3'
  SymmetricKeyLifecycleClientKMIPV1_3: 0x0000005D, // 'Symmetric Key Lifecycle Client KMIP v1.3'
  SymmetricKeyLifecycleServerKMIPV1_3: 0x0000005E, // 'Symmetric Key Lifecycle Server KMIP v1.3'
  AsymmetricKeyLifecycleClientKMIPV1_3: 0x0000005F, // 'Asymmetric Key Lifecycle Client KMIP v1.3'
  AsymmetricKeyLifecycleServerKMIPV1_3: 0x00000060, // 'Asymmetric Key Lifecycle Server KMIP v1.3'
  BasicCryptographicClientKMIPV1_3: 0x00000061, // 'Basic Cryptographic Client KMIP v1.3'
  BasicCryptographicServerKMIPV1_3: 0x00000062, // 'Basic Cryptographic Server KMIP v1.3'
  AdvancedCryptographicClientKMIPV1_3: 0x00000063, // 'Advanced Cryptographic Client KMIP v1.3'
  AdvancedCryptographicServerKMIPV1_3: 0x00000064, // 'Advanced Cryptographic Server KMIP v1.3'
  RNGCryptographicClientKMIPV1_3: 0x00000065, // 'RNG Cryptographic Client KMIP v1.3'
  RNGCryptographicServerKMIPV1_3: 0x00000066, // 'RNG Cryptographic Server KMIP v1.3'
  BasicSymmetricKeyFoundryClientKMIPV1_3: 0x00000067, // 'Basic Symmetric Key Foundry Client KMIP v1.3'
  IntermediateSymmetricKeyFoundryClientKMIPV1_3: 0x00000068, // 'Intermediate Symmetric Key Foundry Client KMIP v1.3'
  AdvancedSymmetricKeyFoundryClientKMIPV1_3: 0x00000069, // 'Advanced Symmetric Key Foundry Client KMIP v1.3'
  SymmetricKeyFoundryServerKMIPV1_3: 0x0000006A, // 'Symmetric Key Foundry Server KMIP v1.3'
  OpaqueManagedObjectStoreClientKMIPV1_3: 0x0000006B, // 'Opaque Managed Object Store Client KMIP v1.3'
  OpaqueManagedObjectStoreServerKMIPV1_3: 0x0000006C, // 'Opaque Managed Object Store Server KMIP v1.3'
  SuiteBMinLOS_128ClientKMIPV1_3: 0x0000006D, // 'Suite B minLOS_128 Client KMIP v1.3'
  SuiteBMinLOS_128ServerKMIPV1_3: 0x0000006E, // 'Suite B minLOS_128 Server KMIP v1.3'
  SuiteBMinLOS_192ClientKMIPV1_3: 0x0000006F, // 'Suite B minLOS_192 Client KMIP v1.3'
  SuiteBMinLOS_192ServerKMIPV1_3: 0x00000070, // 'Suite B minLOS_192 Server KMIP v1.3'
  StorageArrayWithSelfEncryptingDriveClientKMIPV1_3: 0x00000071, // 'Storage Array with Self Encrypting Drive Client KMIP v1.3'
  StorageArrayWithSelfEncryptingDriveServerKMIPV1_3: 0x00000072, // 'Storage Array with Self Encrypting Drive Server KMIP v1.3'
  HTTPSClientKMIPV1_3: 0x00000073, // 'HTTPS Client KMIP v1.3'
  HTTPSServerKMIPV1_3: 0x00000074, // 'HTTPS Server KMIP v1.3'
  JSONClientKMIPV1_3: 0x00000075, // 'JSON Client KMIP v1.3'
  JSONServerKMIPV1_3: 0x00000076, // 'JSON Server KMIP v1.3'
  XMLClientKMIPV1_3: 0x00000077, // 'XML Client KMIP v1.3'
  XMLServerKMIPV1_3: 0x00000078, // 'XML Server KMIP v1.3'
  BaselineServerBasicKMIPV1_4: 0x00000079, // 'Baseline Server Basic KMIP v1.4'
  BaselineServerTLSV1_2KMIPV1_4: 0x0000007A, // 'Baseline Server TLS v1.2 KMIP v1.4'
  BaselineClientBasicKMIPV1_4: 0x0000007B, // 'Baseline Client Basic KMIP v1.4'
  BaselineClientTLSV1_2KMIPV1_4: 0x0000007C, // 'Baseline Client TLS v1.2 KMIP v1.4'
  CompleteServerBasicKMIPV1_4: 0x0000007D, // 'Complete Server Basic KMIP v1.4'
  CompleteServerTLSV1_2KMIPV1_4: 0x0000007E, // 'Complete Server TLS v1.2 KMIP v1.4'
  TapeLibraryClientKMIPV1_4: 0x0000007F, // 'Tape Library Client KMIP v1.4'
  TapeLibraryServerKMIPV1_4: 0x00000080, // 'Tape Library Server KMIP v1.4'
  SymmetricKeyLifecycleClientKMIPV1_4: 0x00000081, // 'Symmetric Key Lifecycle Client KMIP v1.4'
  SymmetricKeyLifecycleServerKMIPV1_4: 0x00000082, // 'Symmetric Key Lifecycle Server KMIP v1.4'
  AsymmetricKeyLifecycleClientKMIPV1_4: 0x00000083, // 'Asymmetric Key Lifecycle Client KMIP v1.4'
  AsymmetricKeyLifecycleServerKMIPV1_4: 0x00000084, // 'Asymmetric Key Lifecycle Server KMIP v1.4'
  BasicCryptographicClientKMIPV1_4: 0x00000085, // 'Basic Cryptographic Client KMIP v1.4'
  BasicCryptographicServerKMIPV1_4: 0x00000086, // 'Basic Cryptographic Server KMIP v1.4'
  AdvancedCryptographicClientKMIPV1_4: 0x00000087, // 'Advanced Cryptographic Client KMIP v1.4'
  AdvancedCryptographicServerKMIPV1_4: 0x00000088, // 'Advanced Cryptographic Server KMIP v1.4'
  RNGCryptographicClientKMIPV1_4: 0x00000089, // 'RNG Cryptographic Client KMIP v1.4'
  RNGCryptographicServerKMIPV1_4: 0x0000008A, // 'RNG Cryptographic Server KMIP v1.4'
  BasicSymmetricKeyFoundryClientKMIPV1_4: 0x0000008B, // 'Basic Symmetric Key Foundry Client KMIP v1.4'
  IntermediateSymmetricKeyFoundryClientKMIPV1_4: 0x0000008C, // 'Intermediate Symmetric Key Foundry Client KMIP v1.4'
  AdvancedSymmetricKeyFoundryClientKMIPV1_4: 0x0000008D, // 'Advanced Symmetric Key Foundry Client KMIP v1.4'
  SymmetricKeyFoundryServerKMIPV1_4: 0x0000008E, // 'Symmetric Key Foundry Server KMIP v1.4'
  OpaqueManagedObjectStoreClientKMIPV1_4: 0x0000008F, // 'Opaque Managed Object Store Client KMIP v1.4'
  OpaqueManagedObjectStoreServerKMIPV1_4: 0x00000090, // 'Opaque Managed Object Store Server KMIP v1.4'
  SuiteBMinLOS_128ClientKMIPV1_4: 0x00000091, // 'Suite B minLOS_128 Client KMIP v1.4'
  SuiteBMinLOS_128ServerKMIPV1_4: 0x00000092, // 'Suite B minLOS_128 Server KMIP v1.4'
  SuiteBMinLOS_192ClientKMIPV1_4: 0x00000093, // 'Suite B minLOS_192 Client KMIP v1.4'
  SuiteBMinLOS_192ServerKMIPV1_4: 0x00000094, // 'Suite B minLOS_192 Server KMIP v1.4'
  StorageArrayWithSelfEncryptingDriveClientKMIPV1_4: 0x00000095, // 'Storage Array with Self Encrypting Drive Client KMIP v1.4'
  StorageArrayWithSelfEncryptingDriveServerKMIPV1_4: 0x00000096, // 'Storage Array with Self Encrypting Drive Server KMIP v1.4'
  HTTPSClientKMIPV1_4: 0x00000097, // 'HTTPS Client KMIP v1.4'
  HTTPSServerKMIPV1_4: 0x00000098, // 'HTTPS Server KMIP v1.4'
  JSONClientKMIPV1_4: 0x00000099, // 'JSON Client KMIP v1.4'
  JSONServerKMIPV1_4: 0x0000009A, // 'JSON Server KMIP v1.4'
  XMLClientKMIPV1_4: 0x0000009B, // 'XML Client KMIP v1.4'
  XMLServerKMIPV1_4: 0x0000009C, // 'XML Server KMIP v1.4'
  CompleteServerBasic: 0x00000104,
  CompleteServerTLSV1_2: 0x00000105, // 'Complete Server TLS v1.2'
  TapeLibraryClient: 0x00000106,
  TapeLibraryServer: 0x00000107,
  SymmetricKeyLifecycleClient: 0x00000108,
  SymmetricKeyLifecycleServer: 0x00000109,
  AsymmetricKeyLifecycleClient: 0x0000010A,
  AsymmetricKeyLifecycleServer: 0x0000010B,
  BasicCryptographicClient: 0x0000010C,
  BasicCryptographicServer: 0x0000010D,
  AdvancedCryptographicClient: 0x0000010E,
  AdvancedCryptographicServer: 0x0000010F,
  RNGCryptographicClient: 0x00000110,
  RNGCryptographicServer: 0x00000111,
  BasicSymmetricKeyFoundryClient: 0x00000112,
  IntermediateSymmetricKeyFoundryClient: 0x00000113,
  AdvancedSymmetricKeyFoundryClient: 0x00000114,
  SymmetricKeyFoundryServer: 0x00000115,
  OpaqueManagedObjectStoreClient: 0x00000116,
  OpaqueManagedObjectStoreServer: 0x00000117,
  SuiteBMinLOS_128Client: 0x00000118, // 'Suite B minLOS_128 Client'
  SuiteBMinLOS_128Server: 0x00000119, // 'Suite B minLOS_128 Server'
  SuiteBMinLOS_192Client: 0x0000011A, // 'Suite B minLOS_192 Client'
  SuiteBMinLOS_192Server: 0x0000011B, // 'Suite B minLOS_192 Server'
  StorageArrayWithSelfEncryptingDriveClient: 0x0000011C, // 'Storage Array with Self Encrypting Drive Client'
  StorageArrayWithSelfEncryptingDriveServer: 0x0000011D, // 'Storage Array with Self Encrypting Drive Server'
  HTTPSClient: 0x0000011E,
  HTTPSServer: 0x0000011F,
  JSONClient: 0x00000120,
  JSONServer: 0x00000121,
  XMLClient: 0x00000122,
  XMLServer: 0x00000123,
  AESXTSClient: 0x00000124,
  AESXTSServer: 0x00000125,
  QuantumSafeClient: 0x00000126,
  QuantumSafeServer: 0x00000127,
  PKCS_11Client: 0x00000128, // 'PKCS#11 Client'
  PKCS_11Server: 0x00000129, // 'PKCS#11 Server'
  BaselineClient: 0x0000012A,
  BaselineServer: 0x0000012B,
  CompleteServer: 0x0000012C,
} as const;

/** Enumeration 'Protection Level', KMIP 2.0. Field tag(s): Tag.ProtectionLevel. */
export const ProtectionLevel = {
  High: 0x00000001,
  Low: 0x00000002,
} as const;

/** Enumeration 'Put Function', KMIP 1.0. Field tag(s): Tag.PutFunction. */
export const PutFunction = {
  New: 0x00000001,
  Replace: 0x00000002,
} as const;

/** Enumeration 'Query Function', KMIP 1.0. Field tag(s): Tag.QueryFunction. */
export const QueryFunction = {
  QueryOperations: 0x00000001,
  QueryObjects: 0x00000002,
  QueryServerInformation: 0x00000003,
  QueryApplicationNamespaces: 0x00000004,
  QueryExtensionList: 0x00000005,
  QueryExtensionMap: 0x00000006,
  QueryAttestationTypes: 0x00000007,
  QueryRNGs: 0x00000008,
  QueryValidations: 0x00000009,
  QueryProfiles: 0x0000000A,
  QueryCapabilities: 0x0000000B,
  QueryClientRegistrationMethods: 0x0000000C,
  QueryDefaultsInformation: 0x0000000D,
  QueryStorageProtectionMasks: 0x0000000E,
} as const;

/** Enumeration 'Recommended Curve', KMIP 1.0. Field tag(s): Tag.RecommendedCurve. */
export const RecommendedCurve = {
  P_192: 0x00000001, // 'P-192'
  K_163: 0x00000002, // 'K-163'
  B_163: 0x00000003, // 'B-163'
  P_224: 0x00000004, // 'P-224'
  K_233: 0x00000005, // 'K-233'
  B_233: 0x00000006, // 'B-233'
  P_256: 0x00000007, // 'P-256'
  K_283: 0x00000008, // 'K-283'
  B_283: 0x00000009, // 'B-283'
  P_384: 0x0000000A, // 'P-384'
  K_409: 0x0000000B, // 'K-409'
  B_409: 0x0000000C, // 'B-409'
  P_521: 0x0000000D, // 'P-521'
  K_571: 0x0000000E, // 'K-571'
  B_571: 0x0000000F, // 'B-571'
  SECP112R1: 0x00000010,
  SECP112R2: 0x00000011,
  SECP128R1: 0x00000012,
  SECP128R2: 0x00000013,
  SECP160K1: 0x00000014,
  SECP160R1: 0x00000015,
  SECP160R2: 0x00000016,
  SECP192K1: 0x00000017,
  SECP224K1: 0x00000018,
  SECP256K1: 0x00000019,
  SECT113R1: 0x0000001A,
  SECT113R2: 0x0000001B,
  SECT131R1: 0x0000001C,
  SECT131R2: 0x0000001D,
  SECT163R1: 0x0000001E,
  SECT193R1: 0x0000001F,
  SECT193R2: 0x00000020,
  SECT239K1: 0x00000021,
  ANSIX9P192V2: 0x00000022,
  ANSIX9P192V3: 0x00000023,
  ANSIX9P239V1: 0x00000024,
  ANSIX9P239V2: 0x00000025,
  ANSIX9P239V3: 0x00000026,
  ANSIX9C2PNB163V1: 0x00000027,
  ANSIX9C2PNB163V2: 0x00000028,
  ANSIX9C2PNB163V3: 0x00000029,
  ANSIX9C2PNB176V1: 0x0000002A,
  ANSIX9C2TNB191V1: 0x0000002B,
  ANSIX9C2TNB191V2: 0x0000002C,
  ANSIX9C2TNB191V3: 0x0000002D,
  ANSIX9C2PNB208W1: 0x0000002E,
  ANSIX9C2TNB239V1: 0x0000002F,
  ANSIX9C2TNB239V2: 0x00000030,
  ANSIX9C2TNB239V3: 0x00000031,
  ANSIX9C2PNB272W1: 0x00000032,
  ANSIX9C2PNB304W1: 0x00000033,
  ANSIX9C2TNB359V1: 0x00000034,
  ANSIX9C2PNB368W1: 0x00000035,
  ANSIX9C2TNB431R1: 0x00000036,
  BRAINPOOLP160R1: 0x00000037,
  BRAINPOOLP160T1: 0x00000038,
  BRAINPOOLP192R1: 0x00000039,
  BRAINPOOLP192T1: 0x0000003A,
  BRAINPOOLP224R1: 0x0000003B,
  BRAINPOOLP224T1: 0x0000003C,
  BRAINPOOLP256R1: 0x0000003D,
  BRAINPOOLP256T1: 0x0000003E,
  BRAINPOOLP320R1: 0x0000003F,
  BRAINPOOLP320T1: 0x00000040,
  BRAINPOOLP384R1: 0x00000041,
  BRAINPOOLP384T1: 0x00000042,
  BRAINPOOLP512R1: 0x00000043,
  BRAINPOOLP512T1: 0x00000044,
  CURVE25519: 0x00000045,
  CURVE448: 0x00000046,
} as const;

/** Enumeration 'Result Reason', KMIP 1.0. Field tag(s): Tag.ResultReason. */
export const ResultReason = {
  ItemNotFound: 0x00000001,
  ResponseTooLarge: 0x00000002,
  AuthenticationNotSuccessful: 0x00000003,
  InvalidMessage: 0x00000004,
  OperationNotSupported: 0x00000005,
  MissingData: 0x00000006,
  InvalidField: 0x00000007,
  FeatureNotSupported: 0x00000008,
  OperationCanceledByRequester: 0x00000009,
  CryptographicFailure: 0x0000000A,
  IllegalOperation: 0x0000000B,
  PermissionDenied: 0x0000000C,
  ObjectArchived: 0x0000000D,
  IndexOutOfBounds: 0x0000000E, // 'Index Out of Bounds'
  ApplicationNamespaceNotSupported: 0x0000000F,
  KeyFormatTypeNotSupported: 0x00000010,
  KeyCompressionTypeNotSupported: 0x00000011,
  EncodingOptionError: 0x00000012,
  KeyValueNotPresent: 0x00000013,
  AttestationRequired: 0x00000014,
  AttestationFailed: 0x00000015,
  Sensitive: 0x00000016,
  NotExtractable: 0x00000017,
  ObjectAlreadyExists: 0x00000018,
  InvalidTicket: 0x00000019,
  UsageLimitExceeded: 0x0000001A,
  NumericRange: 0x0000001B,
  InvalidDataType: 0x0000001C,
  ReadOnlyAttribute: 0x0000001D,
  MultiValuedAttribute: 0x0000001E,
  UnsupportedAttribute: 0x0000001F,
  AttributeInstanceNotFound: 0x00000020,
  AttributeNotFound: 0x00000021,
  AttributeReadOnly: 0x00000022,
  AttributeSingleValued: 0x00000023,
  BadCryptographicParameters: 0x00000024,
  BadPassword: 0x00000025,
  CodecError: 0x00000026,
  IllegalObjectType: 0x00000028,
  IncompatibleCryptographicUsageMask: 0x00000029,
  InternalServerError: 0x0000002A,
  InvalidAsynchronousCorrelationValue: 0x0000002B,
  InvalidAttribute: 0x0000002C,
  InvalidAttributeValue: 0x0000002D,
  InvalidCorrelationValue: 0x0000002E,
  InvalidCSR: 0x0000002F,
  InvalidObjectType: 0x00000030,
  KeyWrapTypeNotSupported: 0x00000032,
  MissingInitializationVector: 0x00000034,
  NonUniqueNameAttribute: 0x00000035,
  ObjectDestroyed: 0x00000036,
  ObjectNotFound: 0x00000037,
  NotAuthorised: 0x00000039,
  ServerLimitExceeded: 0x0000003A,
  UnknownEnumeration: 0x0000003B,
  UnknownMessageExtension: 0x0000003C,
  UnknownTag: 0x0000003D,
  UnsupportedCryptographicParameters: 0x0000003E,
  UnsupportedProtocolVersion: 0x0000003F,
  WrappingObjectArchived: 0x00000040,
  WrappingObjectDestroyed: 0x00000041,
  WrappingObjectNotFound: 0x00000042,
  WrongKeyLifecycleState: 0x00000043,
  ProtectionStorageUnavailable: 0x00000044,
  PKCS_11CodecError: 0x00000045, // 'PKCS#11 Codec Error'
  PKCS_11InvalidFunction: 0x00000046, // 'PKCS#11 Invalid Function'
  PKCS_11InvalidInterface: 0x00000047, // 'PKCS#11 Invalid Interface'
  PrivateProtectionStorageUnavailable: 0x00000048,
  PublicProtectionStorageUnavailable: 0x00000049,
  UnknownObjectGroup: 0x0000004A,
  ConstraintViolation: 0x0000004B,
  DuplicateProcessRequest: 0x0000004C,
  GeneralFailure: 0x00000100,
} as const;

/** Enumeration 'Result Status', KMIP 1.0. Field tag(s): Tag.ResultStatus. */
export const ResultStatus = {
  Success: 0x00000000,
  OperationFailed: 0x00000001,
  OperationPending: 0x00000002,
  OperationUndone: 0x00000003,
} as const;

/** Enumeration 'Revocation Reason Code', KMIP 1.0. Field tag(s): Tag.RevocationReasonCode. */
export const RevocationReasonCode = {
  Unspecified: 0x00000001,
  KeyCompromise: 0x00000002,
  CACompromise: 0x00000003,
  AffiliationChanged: 0x00000004,
  Superseded: 0x00000005,
  CessationOfOperation: 0x00000006, // 'Cessation of Operation'
  PrivilegeWithdrawn: 0x00000007,
} as const;

/** Enumeration 'RNG Algorithm', KMIP 1.3. Field tag(s): Tag.RNGAlgorithm. */
export const RNGAlgorithm = {
  Unspecified: 0x00000001,
  FIPS186_2: 0x00000002, // 'FIPS 186-2'
  DRBG: 0x00000003,
  NRBG: 0x00000004,
  ANSIX9_31: 0x00000005, // 'ANSI X9.31'
  ANSIX9_62: 0x00000006, // 'ANSI X9.62'
} as const;

/** Enumeration 'RNG Mode', KMIP 1.3. Field tag(s): Tag.RNGMode. */
export const RNGMode = {
  Unspecified: 0x00000001,
  SharedInstantiation: 0x00000002,
  NonSharedInstantiation: 0x00000003, // 'Non-Shared Instantiation'
} as const;

/** Enumeration 'Rotate Name Type', KMIP 2.1. Field tag(s): Tag.RotateNameType. */
export const RotateNameType = {
  UninterpretedTextString: 0x00000001,
  URI: 0x00000002,
} as const;

/** Enumeration 'Secret Data Type', KMIP 1.0. Field tag(s): Tag.SecretDataType. */
export const SecretDataType = {
  Password: 0x00000001,
  Seed: 0x00000002,
} as const;

/** Enumeration 'Shredding Algorithm', KMIP 1.3. Field tag(s): Tag.ShreddingAlgorithm. */
export const ShreddingAlgorithm = {
  Unspecified: 0x00000001,
  Cryptographic: 0x00000002,
  Unsupported: 0x00000003,
} as const;

/** Enumeration 'Split Key Method', KMIP 1.0. Field tag(s): Tag.SplitKeyMethod. */
export const SplitKeyMethod = {
  XOR: 0x00000001,
  PolynomialSharingGF2_16: 0x00000002, // 'Polynomial Sharing GF (2^16)'
  PolynomialSharingPrimeField: 0x00000003,
  PolynomialSharingGF2_8: 0x00000004, // 'Polynomial Sharing GF (2^8)'
} as const;

/** Enumeration 'State', KMIP 1.0. Field tag(s): Tag.State. */
export const State = {
  PreActive: 0x00000001, // 'Pre-Active'
  Active: 0x00000002,
  Deactivated: 0x00000003,
  Compromised: 0x00000004,
  Destroyed: 0x00000005,
  DestroyedCompromised: 0x00000006,
} as const;

/** Enumeration 'Ticket Type', KMIP 2.0. Field tag(s): Tag.TicketType. */
export const TicketType = {
  Login: 0x00000001,
} as const;

/** Enumeration 'Unique Identifier', KMIP 2.0 (the Unique Identifier tag is normally a Text String). Field tag(s): Tag.UniqueIdentifier. */
export const UniqueIdentifier = {
  IDPlaceholder: 0x00000001,
  Certify: 0x00000002,
  Create: 0x00000003,
  CreateKeyPair: 0x00000004,
  CreateKeyPairPrivateKey: 0x00000005,
  CreateKeyPairPublicKey: 0x00000006,
  CreateSplitKey: 0x00000007,
  DeriveKey: 0x00000008,
  Import: 0x00000009,
  JoinSplitKey: 0x0000000A,
  Locate: 0x0000000B,
  Register: 0x0000000C,
  ReKey: 0x0000000D, // 'Re-key'
  ReCertify: 0x0000000E, // 'Re-certify'
  ReKeyKeyPair: 0x0000000F, // 'Re-key Key Pair'
  ReKeyKeyPairPrivateKey: 0x00000010, // 'Re-key Key Pair Private Key'
  ReKeyKeyPairPublicKey: 0x00000011, // 'Re-key Key Pair Public Key'
} as const;

/** Enumeration 'Unwrap Mode', KMIP 1.3. Field tag(s): Tag.UnwrapMode. */
export const UnwrapMode = {
  Unspecified: 0x00000001,
  Processed: 0x00000002,
  NotProcessed: 0x00000003,
} as const;

/** Enumeration 'Usage Limits Unit', KMIP 1.0. Field tag(s): Tag.UsageLimitsUnit. */
export const UsageLimitsUnit = {
  Byte: 0x00000001,
  Object: 0x00000002,
} as const;

/** Enumeration 'Validation Authority Type', KMIP 1.3. Field tag(s): Tag.ValidationAuthorityType. */
export const ValidationAuthorityType = {
  Unspecified: 0x00000001,
  NISTCMVP: 0x00000002,
  CommonCriteria: 0x00000003,
} as const;

/** Enumeration 'Validation Type', KMIP 1.3. Field tag(s): Tag.ValidationType. */
export const ValidationType = {
  Unspecified: 0x00000001,
  Hardware: 0x00000002,
  Software: 0x00000003,
  Firmware: 0x00000004,
  Hybrid: 0x00000005,
} as const;

/** Enumeration 'Validity Indicator', KMIP 1.0. Field tag(s): Tag.ValidityIndicator. */
export const ValidityIndicator = {
  Valid: 0x00000001,
  Invalid: 0x00000002,
  Unknown: 0x00000003,
} as const;

/** Enumeration 'Wrapping Method', KMIP 1.0. Field tag(s): Tag.WrappingMethod. */
export const WrappingMethod = {
  Encrypt: 0x00000001,
  MACSign: 0x00000002, // 'MAC/sign'
  EncryptThenMACSign: 0x00000003, // 'Encrypt then MAC/sign'
  MACSignThenEncrypt: 0x00000004, // 'MAC/sign then encrypt'
  TR_31: 0x00000005, // 'TR-31'
} as const;

/** Bit mask (Integer) 'Cryptographic Usage Mask', KMIP 1.0. Field tag(s): Tag.CryptographicUsageMask. */
export const CryptographicUsageMask = {
  Sign: 0x00000001,
  Verify: 0x00000002,
  Encrypt: 0x00000004,
  Decrypt: 0x00000008,
  WrapKey: 0x00000010,
  UnwrapKey: 0x00000020,
  Export: 0x00000040,
  MACGenerate: 0x00000080,
  MACVerify: 0x00000100,
  DeriveKey: 0x00000200,
  ContentCommitment: 0x00000400,
  KeyAgreement: 0x00000800,
  CertificateSign: 0x00001000,
  CRLSign: 0x00002000,
  GenerateCryptogram: 0x00004000,
  ValidateCryptogram: 0x00008000,
  TranslateEncrypt: 0x00010000,
  TranslateDecrypt: 0x00020000,
  TranslateWrap: 0x00040000,
  TranslateUnwrap: 0x00080000,
  Authenticate: 0x00100000,
  Unrestricted: 0x00200000,
  FPEEncrypt: 0x00400000,
  FPEDecrypt: 0x00800000,
} as const;

/** Bit mask (Integer) 'Storage Status Mask', KMIP 1.0. Field tag(s): Tag.StorageStatusMask. */
export const StorageStatusMask = {
  OnLineStorage: 0x00000001, // 'On-line storage'
  ArchivalStorage: 0x00000002, // 'Archival storage'
  DestroyedStorage: 0x00000004, // 'Destroyed storage'
} as const;

/** Bit mask (Integer) 'Protection Storage Mask', KMIP 2.0. Field tag(s): Tag.ProtectionStorageMask. */
export const ProtectionStorageMask = {
  Software: 0x00000001,
  Hardware: 0x00000002,
  OnProcessor: 0x00000004,
  OnSystem: 0x00000008,
  OffSystem: 0x00000010,
  Hypervisor: 0x00000020,
  OperatingSystem: 0x00000040,
  Container: 0x00000080,
  OnPremises: 0x00000100,
  OffPremises: 0x00000200,
  SelfManaged: 0x00000400,
  Outsourced: 0x00000800,
  Validated: 0x00001000,
  SameJurisdiction: 0x00002000,
} as const;

/** Tag of an Enumeration-typed field -> its enumeration. */
export const ENUM_BY_TAG: ReadonlyMap<number, EnumTable> = new Map<number, EnumTable>([
  [Tag.AdjustmentType, AdjustmentType],
  [Tag.AlternativeNameType, AlternativeNameType],
  [Tag.AsynchronousIndicator, AsynchronousIndicator],
  [Tag.AttestationType, AttestationType],
  [Tag.BatchErrorContinuationOption, BatchErrorContinuationOption],
  [Tag.BlockCipherMode, BlockCipherMode],
  [Tag.CancellationResult, CancellationResult],
  [Tag.CertificateRequestType, CertificateRequestType],
  [Tag.CertificateType, CertificateType],
  [Tag.ClientRegistrationMethod, ClientRegistrationMethod],
  [Tag.CredentialType, CredentialType],
  [Tag.CryptographicAlgorithm, CryptographicAlgorithm],
  [Tag.Data, Data],
  [Tag.DerivationMethod, DerivationMethod],
  [Tag.DestroyAction, DestroyAction],
  [Tag.DigitalSignatureAlgorithm, DigitalSignatureAlgorithm],
  [Tag.DRBGAlgorithm, DRBGAlgorithm],
  [Tag.EncodingOption, EncodingOption],
  [Tag.EndpointRole, EndpointRole],
  [Tag.FIPS186Variation, FIPS186Variation],
  [Tag.HashingAlgorithm, HashingAlgorithm],
  [Tag.MaskGeneratorHashingAlgorithm, HashingAlgorithm],
  [Tag.InteropFunction, InteropFunction],
  [Tag.ExtensionType, ItemType],
  [Tag.KeyCompressionType, KeyCompressionType],
  [Tag.KeyFormatType, KeyFormatType],
  [Tag.KeyRoleType, KeyRoleType],
  [Tag.KeyValueLocationType, KeyValueLocationType],
  [Tag.KeyWrapType, KeyWrapType],
  [Tag.LinkType, LinkType],
  [Tag.MaskGenerator, MaskGenerator],
  [Tag.NameType, NameType],
  [Tag.NISTKeyType, NISTKeyType],
  [Tag.ObjectGroupMember, ObjectGroupMember],
  [Tag.ObjectType, ObjectType],
  [Tag.OpaqueDataType, OpaqueDataType],
  [Tag.Operation, Operation],
  [Tag.PaddingMethod, PaddingMethod],
  [Tag.PKCS_11Function, PKCS_11Function],
  [Tag.PKCS_11ReturnCode, PKCS_11ReturnCode],
  [Tag.ProcessingStage, ProcessingStage],
  [Tag.ProfileName, ProfileName],
  [Tag.ProtectionLevel, ProtectionLevel],
  [Tag.PutFunction, PutFunction],
  [Tag.QueryFunction, QueryFunction],
  [Tag.RecommendedCurve, RecommendedCurve],
  [Tag.ResultReason, ResultReason],
  [Tag.ResultStatus, ResultStatus],
  [Tag.RevocationReasonCode, RevocationReasonCode],
  [Tag.RNGAlgorithm, RNGAlgorithm],
  [Tag.RNGMode, RNGMode],
  [Tag.RotateNameType, RotateNameType],
  [Tag.SecretDataType, SecretDataType],
  [Tag.ShreddingAlgorithm, ShreddingAlgorithm],
  [Tag.SplitKeyMethod, SplitKeyMethod],
  [Tag.State, State],
  [Tag.TicketType, TicketType],
  [Tag.UniqueIdentifier, UniqueIdentifier],
  [Tag.UnwrapMode, UnwrapMode],
  [Tag.UsageLimitsUnit, UsageLimitsUnit],
  [Tag.ValidationAuthorityType, ValidationAuthorityType],
  [Tag.ValidationType, ValidationType],
  [Tag.ValidityIndicator, ValidityIndicator],
  [Tag.WrappingMethod, WrappingMethod],
  // 2.x: Attribute Reference / Tag enumerations carry tag numbers.
  [Tag.AttributeReference, Tag],
  [Tag.Tag, Tag],
]);

/** Tag of a bit-mask (Integer) field -> its mask table. */
export const MASK_BY_TAG: ReadonlyMap<number, EnumTable> = new Map<number, EnumTable>([
  [Tag.CryptographicUsageMask, CryptographicUsageMask],
  [Tag.StorageStatusMask, StorageStatusMask],
  [Tag.ProtectionStorageMask, ProtectionStorageMask],
]);

interface Reverse {
  readonly byValue: ReadonlyMap<number, string>;
  readonly byName: ReadonlyMap<string, number>;
}

function buildReverse(tables: ReadonlyMap<number, EnumTable>): ReadonlyMap<number, Reverse> {
  const cache = new Map<EnumTable, Reverse>();
  const out = new Map<number, Reverse>();
  for (const [tag, table] of tables) {
    let rev = cache.get(table);
    if (rev === undefined) {
      const byValue = new Map<number, string>();
      const byName = new Map<string, number>();
      for (const [name, value] of Object.entries(table)) {
        if (!byValue.has(value)) byValue.set(value, name);
        byName.set(name, value);
      }
      rev = { byValue, byName };
      cache.set(table, rev);
    }
    out.set(tag, rev);
  }
  return out;
}

const ENUM_REVERSE = buildReverse(ENUM_BY_TAG);
const MASK_REVERSE = buildReverse(MASK_BY_TAG);

/** Name of enumeration value `value` for field `tag`, or undefined if unknown. */
export function enumName(tag: number, value: number): string | undefined {
  return ENUM_REVERSE.get(tag)?.byValue.get(value);
}

/** Numeric value of enumeration value `name` for field `tag`, or undefined if unknown. */
export function enumValue(tag: number, name: string): number | undefined {
  return ENUM_REVERSE.get(tag)?.byName.get(name);
}

/** True if `tag` has a known enumeration. */
export function isEnumTag(tag: number): boolean {
  return ENUM_REVERSE.has(tag);
}

/** True if `tag` is a bit-mask field. */
export function isMaskTag(tag: number): boolean {
  return MASK_REVERSE.has(tag);
}

/**
 * Names of the bits set in mask `value` of field `tag`, lowest bit first; undefined if `tag`
 * is not a mask field or `value` has bits without a name.
 */
export function maskNames(tag: number, value: number): string[] | undefined {
  const rev = MASK_REVERSE.get(tag);
  if (rev === undefined) return undefined;
  const names: string[] = [];
  let rest = value >>> 0;
  for (let bit = 1; rest !== 0 && bit <= 0x80000000; bit *= 2) {
    if ((rest & bit) === 0) continue;
    const name = rev.byValue.get(bit);
    if (name === undefined) return undefined;
    names.push(name);
    rest = (rest & ~bit) >>> 0;
  }
  return rest === 0 ? names : undefined;
}

/**
 * Mask value for field `tag` from bit names (an array, or a whitespace-separated string as in
 * the XML encoding); undefined if `tag` is not a mask field or a name is unknown.
 */
export function maskValue(tag: number, names: string | readonly string[]): number | undefined {
  const rev = MASK_REVERSE.get(tag);
  if (rev === undefined) return undefined;
  const list = typeof names === 'string' ? names.split(/\s+/).filter((n) => n !== '') : names;
  let value = 0;
  for (const name of list) {
    const bit = rev.byName.get(name);
    if (bit === undefined) return undefined;
    value = (value | bit) >>> 0;
  }
  return value;
}
