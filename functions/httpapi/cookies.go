package httpapi

// Cookies returns the names of the cookies the functions set on the
// portal's origin: a gateway on the same origin must keep them from
// upstreams.
func (s *Server) Cookies() []string { return []string{s.cookie, s.AccessCookie(), s.hintCookie()} }
