/**
 * App profiles: what they are (model.ts), where they are kept (store.ts — encrypted in the
 * repository), connecting through one (connect.ts), what Entra says it may do (sign-in.ts), and
 * adding one (add.ts) or creating its app registration from scratch (create-app.ts).
 */
export { checkProfileName, describeProfile, toConnection, PROFILE_NAME, type Profile, type ProfileCredential } from './model.js';
export { profileStore, PROFILE_DOCUMENTS, type ProfileStore } from './store.js';
export { connect, type Connection, type ConnectOptions } from './connect.js';
export { decodeAccessToken, probePermissions, signIn, type PermissionProbe, type ProbeOptions, type TokenClaims } from './sign-in.js';
export { addProfile, certificateFromFile, certificateFromPem, certificateThumbprint, readCaFile, secretFromEnv, type AddProfileInput } from './add.js';
export { profilePermissions, type PermissionLine, type PermissionsReport } from './permissions.js';
export { createApp, ADMIN_SCOPES, DEFAULT_DEVICE_CLIENT_ID, type CreateAppInput, type CreateAppOptions, type CreateAppResult } from './create-app.js';
export { generateCertificate, type GeneratedCertificate } from './certificate.js';
