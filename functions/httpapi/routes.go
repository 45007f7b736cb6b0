package httpapi

import "net/http"

// routes lists every endpoint of the API, in one place: the developer API
// (/api/v3, a session cookie) and the management API (/v3, an admin
// token), each by aggregate.
func (s *Server) routes() {
	m := http.NewServeMux()

	// Developer API: the account (developer.go).
	m.HandleFunc("POST /api/v3/developer", s.accountsOn(withBody(s, s.handleSignUp)))
	m.HandleFunc("POST /api/v3/developer/verify-email", withBody(s, s.handleVerifyEmail))
	m.HandleFunc("POST /api/v3/developer/authenticate", s.accountsOn(withBody(s, s.handleAuthenticate)))
	m.HandleFunc("POST /api/v3/developer/logout", s.handleLogout)
	m.HandleFunc("POST /api/v3/developer/forgot-password", withBody(s, s.handleForgotPassword))
	m.HandleFunc("POST /api/v3/developer/reset-password", withBody(s, s.handleResetPassword))
	m.HandleFunc("GET /api/v3/developer/me", s.developer(s.handleMe))
	m.HandleFunc("POST /api/v3/developer/refresh", s.developer(s.handleRefresh))
	// Developer API: the catalog and the developer's applications,
	// registrations and credentials.
	m.HandleFunc("GET /api/v3/apis", s.developer(s.handleDevAPIs))
	m.HandleFunc("GET /api/v3/apis/{idOrSlug}", s.developer(s.handleDevAPI))
	m.HandleFunc("GET /api/v3/applications", s.developer(s.handleListApps))
	m.HandleFunc("POST /api/v3/applications", s.developer(withBody(s, s.handleCreateApp)))
	m.HandleFunc("GET /api/v3/applications/{appId}", s.developer(s.ownApp(s.handleGetApp)))
	m.HandleFunc("PATCH /api/v3/applications/{appId}", s.developer(s.ownApp(withBody(s, s.handlePatchApp))))
	m.HandleFunc("DELETE /api/v3/applications/{appId}", s.developer(s.ownApp(s.handleDeleteApp)))
	m.HandleFunc("GET /api/v3/applications/{appId}/registrations", s.developer(s.ownApp(s.handleListRegs)))
	m.HandleFunc("POST /api/v3/applications/{appId}/registrations", s.developer(s.ownApp(withBody(s, s.handleCreateReg))))
	m.HandleFunc("GET /api/v3/applications/{appId}/credentials", s.developer(s.ownApp(s.handleListCreds)))
	m.HandleFunc("POST /api/v3/applications/{appId}/credentials", s.developer(s.ownApp(withBody(s, s.handleCreateCred))))
	m.HandleFunc("DELETE /api/v3/applications/{appId}/credentials/{credentialId}", s.developer(s.ownApp(s.handleDeleteCred)))
	m.HandleFunc("POST /api/v3/applications/{appId}/credentials/{credentialId}/rotate", s.developer(s.ownApp(s.handleRotateCred)))

	// Management API: admin users' console sessions (adminusers.go), the
	// admin users themselves (users.go) and the audit log (audit.go).
	m.HandleFunc("POST /v3/admin/authenticate", withBody(s, s.handleAdminAuthenticate))
	m.HandleFunc("POST /v3/admin/logout", s.handleAdminLogout)
	m.HandleFunc("GET /v3/admin/me", s.admin(s.handleAdminMe))
	m.HandleFunc("GET /v3/audit-events", s.admin(s.handleAuditEvents))
	m.HandleFunc("GET /v3/users", s.admin(s.handleListUsers))
	m.HandleFunc("GET /v3/users/{userId}", s.admin(s.handleGetUser))
	m.HandleFunc("PATCH /v3/users/{userId}", s.admin(withBody(s, s.handlePatchUser)))
	m.HandleFunc("POST /v3/invites", s.admin(withBody(s, s.handleInvite)))
	m.HandleFunc("POST /v3/admin/accept-invite", withBody(s, s.handleAcceptInvite))
	m.HandleFunc("POST /v3/admin/password", s.admin(withBody(s, s.handleAdminPassword)))
	m.HandleFunc("POST /v3/admin/forgot-password", withBody(s, s.handleAdminForgotPassword))
	m.HandleFunc("POST /v3/admin/reset-password", withBody(s, s.handleAdminResetPassword))

	// Management API: the portal's settings and developers (admin.go).
	m.HandleFunc("GET /v3/portals", s.admin(s.handleListPortals))
	m.HandleFunc("GET /v3/portals/{portalId}", s.admin(s.handleGetPortal))
	m.HandleFunc("PATCH /v3/portals/{portalId}", s.admin(withBody(s, s.handlePatchPortal)))
	m.HandleFunc("GET /v3/portals/{portalId}/developers", s.admin(s.handleListDevelopers))
	m.HandleFunc("GET /v3/portals/{portalId}/developers/{developerId}", s.admin(s.handleGetDeveloper))
	m.HandleFunc("PATCH /v3/portals/{portalId}/developers/{developerId}", s.admin(withBody(s, s.handlePatchDeveloper)))
	m.HandleFunc("DELETE /v3/portals/{portalId}/developers/{developerId}", s.admin(s.handleDeleteDeveloper))
	// Management API: teams, their members and roles.
	m.HandleFunc("GET /v3/portals/{portalId}/teams", s.admin(s.handleListTeams))
	m.HandleFunc("POST /v3/portals/{portalId}/teams", s.admin(withBody(s, s.handleCreateTeam)))
	m.HandleFunc("GET /v3/portals/{portalId}/teams/{teamId}", s.admin(s.handleGetTeam))
	m.HandleFunc("PATCH /v3/portals/{portalId}/teams/{teamId}", s.admin(withBody(s, s.handlePatchTeam)))
	m.HandleFunc("DELETE /v3/portals/{portalId}/teams/{teamId}", s.admin(s.handleDeleteTeam))
	m.HandleFunc("GET /v3/portals/{portalId}/teams/{teamId}/developers", s.admin(s.handleListMembers))
	m.HandleFunc("POST /v3/portals/{portalId}/teams/{teamId}/developers", s.admin(withBody(s, s.handleAddMember)))
	m.HandleFunc("DELETE /v3/portals/{portalId}/teams/{teamId}/developers/{developerId}", s.admin(s.handleRemoveMember))
	m.HandleFunc("GET /v3/portals/{portalId}/teams/{teamId}/assigned-roles", s.admin(s.handleListRoles))
	m.HandleFunc("POST /v3/portals/{portalId}/teams/{teamId}/assigned-roles", s.admin(withBody(s, s.handleAssignRole)))
	m.HandleFunc("DELETE /v3/portals/{portalId}/teams/{teamId}/assigned-roles/{roleId}", s.admin(s.handleRemoveRole))
	// Management API: the catalog, auth strategies, applications and
	// registrations.
	m.HandleFunc("GET /v3/apis", s.admin(s.handleAdminAPIs))
	m.HandleFunc("GET /v3/apis/{apiId}", s.admin(s.handleAdminAPI))
	m.HandleFunc("GET /v3/application-auth-strategies", s.admin(s.handleListStrategies))
	m.HandleFunc("POST /v3/application-auth-strategies", s.admin(withBody(s, s.handleCreateStrategy)))
	m.HandleFunc("GET /v3/portals/{portalId}/applications", s.admin(s.handleAdminApps))
	m.HandleFunc("GET /v3/portals/{portalId}/application-registrations", s.admin(s.handleAdminRegs))
	m.HandleFunc("GET /v3/portals/{portalId}/application-registrations/{registrationId}", s.admin(s.handleGetReg))
	m.HandleFunc("PATCH /v3/portals/{portalId}/application-registrations/{registrationId}", s.admin(withBody(s, s.handlePatchReg)))
	m.HandleFunc("GET /v3/portals/{portalId}/applications/{appId}/registrations/{registrationId}", s.admin(s.handleGetReg))
	m.HandleFunc("PATCH /v3/portals/{portalId}/applications/{appId}/registrations/{registrationId}", s.admin(withBody(s, s.handlePatchReg)))

	s.mux = m
}
