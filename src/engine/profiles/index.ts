/**
 * App profiles: what they are (model.ts), where they are kept (store.ts — encrypted in the
 * repository), connecting through one (connect.ts), what Entra says it may do (sign-in.ts), and
 * adding one (add.ts) or creating its app registration from scratch (create-app.ts).
 */
export { checkProfileName, describeProfile, toConnection, PROFILE_NAME, type Profile, type ProfileCredential } from './model.js';
export { profileStore, PROFILE_DOCUMENTS, type ProfileStore } from './store.js';
export { connect, type Connection, type ConnectOptions } from './connect.js';
export { decodeAccessToken, probePermissions, signIn, type PermissionProbe, type ProbeOptions, type TokenClaims } from './sign-in.js';
