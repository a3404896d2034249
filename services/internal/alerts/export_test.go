package alerts

// HubStarted is closed once Run has started the stream hub, so that
// tests open streams only when they can register.
func HubStarted(s *Service) <-chan struct{} { return s.hub.started }
