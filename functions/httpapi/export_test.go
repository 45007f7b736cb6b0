package httpapi

// WaitAnswered waits until handlers that answered early (answerFirst)
// have finished their work, so that a test may look at its effects.
func (s *Server) WaitAnswered() { s.late.Wait() }
