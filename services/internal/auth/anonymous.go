package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"net"
	"net/netip"

	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
)

// identifyingKeys are the metadata keys that could identify a caller:
// addresses set by proxies and the gateway, user agents, cookies and
// referrers, each also in grpc-gateway's `grpcgateway-` form. Methods whose
// policy is anonymous never see them.
var identifyingKeys = []string{
	"x-forwarded-for", "x-real-ip", "forwarded", "x-forwarded-host",
	"x-client-ip", "true-client-ip", "cf-connecting-ip",
	"user-agent", "grpcgateway-user-agent",
	"cookie", "grpcgateway-cookie",
	"referer", "grpcgateway-referer",
	"from", "grpcgateway-from",
	"via", "grpcgateway-via",
}

// stripIdentifying returns ctx with the identifying metadata removed and
// the peer's address replaced, so a handler of an anonymous method cannot
// store or log them even by mistake. The credentials stay: they either
// authenticated the caller or the call was already refused.
func stripIdentifying(ctx context.Context) context.Context {
	if md, ok := metadata.FromIncomingContext(ctx); ok { // a copy
		for _, k := range identifyingKeys {
			delete(md, k)
		}
		ctx = metadata.NewIncomingContext(ctx, md)
	}
	if p, ok := peer.FromContext(ctx); ok {
		ctx = peer.NewContext(ctx, &peer.Peer{Addr: hiddenAddr{}, LocalAddr: p.LocalAddr, AuthInfo: p.AuthInfo})
	}
	return ctx
}

// hiddenAddr stands in for an anonymous caller's address.
type hiddenAddr struct{}

func (hiddenAddr) Network() string { return "hidden" }
func (hiddenAddr) String() string  { return "hidden" }

// peerAddr returns the IP address of the caller's connection, or an
// invalid Addr when it has none (e.g. an in-memory listener).
func peerAddr(ctx context.Context) netip.Addr {
	p, ok := peer.FromContext(ctx)
	if !ok || p.Addr == nil {
		return netip.Addr{}
	}
	if tcp, ok := p.Addr.(*net.TCPAddr); ok {
		a, _ := netip.AddrFromSlice(tcp.IP)
		return a.Unmap()
	}
	if ap, err := netip.ParseAddrPort(p.Addr.String()); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}

// anonymousKey returns the rate-limit key of an anonymous caller: an HMAC
// of its address under a key that lives only in this process, so the
// address itself is never kept. ok is false for peers that are trusted
// proxies, which limit anonymous clients themselves.
func (in *Interceptor) anonymousKey(ctx context.Context) (key string, ok bool) {
	addr := peerAddr(ctx)
	for _, pfx := range in.cfg.Limits.ProxyPeers {
		if addr.IsValid() && pfx.Contains(addr) {
			return "", false
		}
	}
	mac := hmac.New(sha256.New, in.addrKey)
	if addr.IsValid() {
		b, _ := addr.MarshalBinary()
		mac.Write(b)
	}
	return string(mac.Sum(nil)), true
}
