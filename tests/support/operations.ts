// GraphQL documents the integration tests send, written as a client of the original would.
export const REGISTER = `mutation ($email: String!, $username: String!, $password1: String!, $password2: String!) {
  register(email: $email, username: $username, password1: $password1, password2: $password2) { success errors token refreshToken }
}`;
export const VERIFY_ACCOUNT = `mutation ($token: String!) { verifyAccount(token: $token) { success errors } }`;
export const RESEND_ACTIVATION_EMAIL = `mutation ($email: String!) { resendActivationEmail(email: $email) { success errors } }`;
export const SEND_PASSWORD_RESET_EMAIL = `mutation ($email: String!) { sendPasswordResetEmail(email: $email) { success errors } }`;
export const PASSWORD_RESET = `mutation ($token: String!, $p1: String!, $p2: String!) {
  passwordReset(token: $token, newPassword1: $p1, newPassword2: $p2) { success errors }
}`;
export const PASSWORD_SET = `mutation ($token: String!, $p1: String!, $p2: String!) {
  passwordSet(token: $token, newPassword1: $p1, newPassword2: $p2) { success errors }
}`;
export const PASSWORD_CHANGE = `mutation ($old: String!, $p1: String!, $p2: String!) {
  passwordChange(oldPassword: $old, newPassword1: $p1, newPassword2: $p2) { success errors token refreshToken }
}`;
export const UPDATE_ACCOUNT = `mutation ($firstName: String, $lastName: String) {
  updateAccount(firstName: $firstName, lastName: $lastName) { success errors }
}`;
export const ARCHIVE_ACCOUNT = `mutation ($password: String!) { archiveAccount(password: $password) { success errors } }`;
export const DELETE_ACCOUNT = `mutation ($password: String!) { deleteAccount(password: $password) { success errors } }`;
export const SEND_SECONDARY_EMAIL_ACTIVATION = `mutation ($email: String!, $password: String!) {
  sendSecondaryEmailActivation(email: $email, password: $password) { success errors }
}`;
export const VERIFY_SECONDARY_EMAIL = `mutation ($token: String!) { verifySecondaryEmail(token: $token) { success errors } }`;
export const SWAP_EMAILS = `mutation ($password: String!) { swapEmails(password: $password) { success errors } }`;
export const REMOVE_SECONDARY_EMAIL = `mutation ($password: String!) { removeSecondaryEmail(password: $password) { success errors } }`;
export const TOKEN_AUTH_USERNAME = `mutation ($username: String!, $password: String!) {
  tokenAuth(username: $username, password: $password) {
    success errors token refreshToken unarchiving refreshExpiresIn payload
    user { pk username email verified archived secondaryEmail lastLogin }
  }
}`;
export const TOKEN_AUTH_EMAIL = `mutation ($email: String!, $password: String!) {
  tokenAuth(email: $email, password: $password) { success errors token refreshToken unarchiving user { username email } }
}`;
export const VERIFY_TOKEN = `mutation ($token: String!) { verifyToken(token: $token) { success errors payload } }`;
export const REFRESH_TOKEN = `mutation ($refreshToken: String!) {
  refreshToken(refreshToken: $refreshToken) { success errors token refreshToken payload refreshExpiresIn }
}`;
export const REVOKE_TOKEN = `mutation ($refreshToken: String!) { revokeToken(refreshToken: $refreshToken) { success errors revoked } }`;
export const ME = `{ me { id pk username email firstName lastName verified archived secondaryEmail isActive isStaff dateJoined lastLogin } }`;
export const USER = `query ($id: ID!) { user(id: $id) { pk username email } }`;
export const USERS = `query ($first: Int, $last: Int, $after: String, $before: String, $offset: Int, $email: String, $username: String,
  $username_Icontains: String, $username_Istartswith: String, $isActive: Boolean, $status_Archived: Boolean,
  $status_Verified: Boolean, $status_SecondaryEmail: String) {
  users(first: $first, last: $last, after: $after, before: $before, offset: $offset, email: $email, username: $username,
    username_Icontains: $username_Icontains, username_Istartswith: $username_Istartswith, isActive: $isActive,
    status_Archived: $status_Archived, status_Verified: $status_Verified, status_SecondaryEmail: $status_SecondaryEmail) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { pk username email } }
  }
}`;
