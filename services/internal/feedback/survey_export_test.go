package feedback

// WaitTrustNotices waits for the Trust-Index drop checks under way, so
// that tests can count the notices without timing.
func (s *Service) WaitTrustNotices() { s.sv.notices.Wait() }
