import { authenticated, declarePolicies, publicMethod, requires } from "@switchboard/authz";
import { AccessReviewService } from "@switchboard/proto/switchboard/identity/v1/access_reviews_pb";
import { AuthService } from "@switchboard/proto/switchboard/identity/v1/auth_pb";
import { OrganizationService } from "@switchboard/proto/switchboard/identity/v1/organizations_pb";
import { ServiceAccountService } from "@switchboard/proto/switchboard/identity/v1/service_accounts_pb";
import { UserService } from "@switchboard/proto/switchboard/identity/v1/users_pb";

/** What each identity RPC needs; the role → permission table is in libs/authz. */
export const identityPolicies = {
  ...declarePolicies(AuthService, {
    login: publicMethod(),
    verifyMfa: publicMethod(),
    refreshToken: publicMethod(),
    getJwks: publicMethod(),
    logout: authenticated(),
    changePassword: authenticated({ allowSetupToken: true }),
    enrollTotp: authenticated({ allowSetupToken: true }),
    confirmTotp: authenticated({ allowSetupToken: true }),
  }),
  ...declarePolicies(UserService, {
    createUser: requires("identity.users.manage"),
    getUser: requires("identity.users.read"),
    listUsers: requires("identity.users.read"),
    updateUserRoles: requires("identity.users.manage"),
    disableUser: requires("identity.users.manage"),
    deleteUser: requires("identity.users.manage"),
  }),
  ...declarePolicies(ServiceAccountService, {
    createServiceAccount: requires("identity.service_accounts.manage"),
    listServiceAccounts: requires("identity.service_accounts.manage"),
    issueServiceToken: publicMethod(),
  }),
  ...declarePolicies(AccessReviewService, {
    startAccessReview: requires("identity.access_reviews.manage"),
    listAttestations: requires("identity.access_reviews.attest"),
    attest: requires("identity.access_reviews.attest"),
  }),
  ...declarePolicies(OrganizationService, {
    createOrganization: requires("identity.organizations.manage"),
    getOrganization: requires("identity.organizations.manage"),
    listOrganizations: requires("identity.organizations.manage"),
    terminateOrganization: requires("identity.organizations.manage"),
  }),
};
