package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/types/known/anypb"
)

// errorDomain is the ErrorInfo domain of the gateway's own errors, the same
// as the services' (AIP-193).
const errorDomain = "engage.dev"

// errorBody is the JSON body of every error response:
//
//	{"code": 404, "status": "NOT_FOUND", "message": "…", "details": [{"@type": …}]}
//
// code is the HTTP status, status the gRPC code name, details the AIP-193
// details (ErrorInfo, BadRequest, RetryInfo, …) as protojson with @type.
type errorBody struct {
	Code    int               `json:"code"`
	Status  string            `json:"status"`
	Message string            `json:"message"`
	Details []json.RawMessage `json:"details"`
}

func newErrorBody(httpCode int, st *status.Status) errorBody {
	name := code.Code(st.Code()).String()
	if _, known := code.Code_name[int32(st.Code())]; !known {
		name = code.Code_UNKNOWN.String()
	}
	body := errorBody{Code: httpCode, Status: name, Message: st.Message(), Details: []json.RawMessage{}}
	for _, d := range st.Proto().GetDetails() {
		if b, err := protojson.Marshal(d); err == nil {
			body.Details = append(body.Details, b)
		}
	}
	return body
}

// httpStatus maps a gRPC code to the HTTP status of the REST API. It differs
// from grpc-gateway's mapping in FAILED_PRECONDITION (412, not 400).
func httpStatus(c codes.Code) int {
	switch c {
	case codes.OK:
		return http.StatusOK
	case codes.InvalidArgument, codes.OutOfRange:
		return http.StatusBadRequest
	case codes.Unauthenticated:
		return http.StatusUnauthorized
	case codes.PermissionDenied:
		return http.StatusForbidden
	case codes.NotFound:
		return http.StatusNotFound
	case codes.AlreadyExists, codes.Aborted:
		return http.StatusConflict
	case codes.FailedPrecondition:
		return http.StatusPreconditionFailed
	case codes.ResourceExhausted:
		return http.StatusTooManyRequests
	case codes.Canceled:
		return 499 // nginx's "client closed request", as grpc-gateway uses
	case codes.Unimplemented:
		return http.StatusNotImplemented
	case codes.Unavailable:
		return http.StatusServiceUnavailable
	case codes.DeadlineExceeded:
		return http.StatusGatewayTimeout
	default:
		return http.StatusInternalServerError
	}
}

// handleError is the mux's runtime.ErrorHandlerFunc: errors of unary calls,
// and of the gateway decoding a request before any call.
func (g *gateway) handleError(ctx context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, r *http.Request, err error) {
	if bodyTooLarge(r) {
		g.writeTooLarge(w, r)
		return
	}
	httpCode := 0
	var hse *runtime.HTTPStatusError
	if errors.As(err, &hse) {
		httpCode, err = hse.HTTPStatus, hse.Err
	}
	st, ok := status.FromError(err)
	switch {
	case !ok && httpCode == http.StatusBadRequest:
		// A malformed path escape, found while routing.
		st = requestErrorStatus(err.Error())
	case !ok:
		st = status.New(codes.Unknown, err.Error())
	case st.Code() == codes.InvalidArgument && !calledBackend(ctx):
		// grpc-gateway could not decode the body, a path or a query
		// parameter, or the Grpc-Timeout header.
		st = requestErrorStatus(st.Message())
	}
	if httpCode == 0 {
		httpCode = httpStatus(st.Code())
	}
	if md, ok := runtime.ServerMetadataFromContext(ctx); ok {
		for k, vs := range md.HeaderMD {
			if h, ok := outgoingHeader(k); ok {
				for _, v := range vs {
					w.Header().Add(h, v)
				}
			}
		}
	}
	g.writeStatus(w, r, httpCode, st)
}

// handleStreamError is the mux's runtime.StreamErrorHandlerFunc, for errors
// after a stream has started; jsonMarshaler writes the result, except for
// a file stream, which is aborted.
func (g *gateway) handleStreamError(ctx context.Context, err error) *status.Status {
	st := g.public(ctx, status.Convert(err))
	g.abortFileStream(ctx, st)
	return st
}

// handleRoutingError is the mux's runtime.RoutingErrorHandlerFunc.
func (g *gateway) handleRoutingError(_ context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, r *http.Request, httpCode int) {
	var st *status.Status
	switch httpCode {
	case http.StatusNotFound:
		st = gatewayStatus(codes.NotFound, "ROUTE_NOT_FOUND", "no API method has this path")
	case http.StatusMethodNotAllowed:
		st = gatewayStatus(codes.Unimplemented, "METHOD_NOT_ALLOWED", "the path does not take this HTTP method")
	case http.StatusBadRequest:
		st = gatewayStatus(codes.InvalidArgument, "INVALID_PATH", "malformed request path")
	default:
		st = status.New(codes.Internal, "routing error "+strconv.Itoa(httpCode))
		httpCode = http.StatusInternalServerError
	}
	if s := stateFrom(r.Context()); s != nil {
		s.route = "unmatched"
	}
	g.writeStatus(w, r, httpCode, st)
}

// writeStatus writes st, made fit for clients, as the JSON error body with
// httpCode.
func (g *gateway) writeStatus(w http.ResponseWriter, r *http.Request, httpCode int, st *status.Status) {
	g.writeError(w, r, httpCode, g.public(r.Context(), st))
}

// writeError writes st as it is as the JSON error body with httpCode.
func (g *gateway) writeError(w http.ResponseWriter, r *http.Request, httpCode int, st *status.Status) {
	h := w.Header()
	h.Del("Trailer")
	h.Del("Transfer-Encoding")
	h.Del("Content-Length")
	h.Set("Content-Type", "application/json")
	if st.Code() == codes.Unauthenticated {
		h.Set("WWW-Authenticate", `Bearer realm="engage"`)
	}
	if d := retryDelay(st); d > 0 && (httpCode == http.StatusTooManyRequests || httpCode == http.StatusServiceUnavailable) {
		h.Set("Retry-After", strconv.FormatInt(int64(math.Ceil(d.Seconds())), 10))
	}
	w.WriteHeader(httpCode)
	if err := json.NewEncoder(w).Encode(newErrorBody(httpCode, st)); err != nil {
		g.log.DebugContext(r.Context(), "write error response", "error", err)
	}
}

// public returns the status a client may see. Server-side failures get a
// generic message (the original goes to the log); only the AIP-193 detail
// types meant for clients pass, never DebugInfo (stack traces) or
// RequestInfo (serving data).
func (g *gateway) public(ctx context.Context, st *status.Status) *status.Status {
	var msg string
	switch st.Code() {
	case codes.Internal, codes.Unknown, codes.DataLoss:
		g.logFailure(ctx, slog.LevelError, st)
		return status.New(st.Code(), "internal error")
	case codes.Unavailable:
		g.logFailure(ctx, slog.LevelWarn, st)
		msg = "the service is unavailable, retry later"
	case codes.DeadlineExceeded:
		g.logFailure(ctx, slog.LevelWarn, st)
		msg = "the request took too long"
	case codes.Canceled:
		g.logFailure(ctx, slog.LevelDebug, st)
		msg = "the request was cancelled"
	}
	p := &spb.Status{Code: st.Proto().GetCode(), Message: st.Message()}
	if msg != "" {
		p.Message = msg
	}
	for _, d := range st.Proto().GetDetails() {
		if clientDetail(d) {
			p.Details = append(p.Details, d)
		}
	}
	return status.FromProto(p)
}

func (g *gateway) logFailure(ctx context.Context, level slog.Level, st *status.Status) {
	attrs := []slog.Attr{slog.String("code", st.Code().String()), slog.String("error", st.Message())}
	if s := stateFrom(ctx); s != nil {
		attrs = append(attrs, slog.String("request_id", s.requestID), slog.String("route", s.route), slog.String("rpc", s.rpc))
	}
	g.log.LogAttrs(ctx, level, "request failed", attrs...)
}

// clientDetail reports whether a status detail is for clients.
func clientDetail(d *anypb.Any) bool {
	switch d.MessageName() {
	case "google.rpc.ErrorInfo", "google.rpc.BadRequest", "google.rpc.RetryInfo",
		"google.rpc.PreconditionFailure", "google.rpc.QuotaFailure",
		"google.rpc.ResourceInfo", "google.rpc.Help", "google.rpc.LocalizedMessage":
		return true
	}
	return false
}

// retryDelay returns the RetryInfo delay of st, or 0.
func retryDelay(st *status.Status) time.Duration {
	for _, d := range st.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok && ri.GetRetryDelay() != nil {
			return ri.GetRetryDelay().AsDuration()
		}
	}
	return 0
}

// gatewayStatus is an error status made by the gateway itself, with its
// ErrorInfo and any further details.
func gatewayStatus(c codes.Code, reason, msg string, details ...protoadapt.MessageV1) *status.Status {
	return gatewayStatusMeta(c, reason, nil, msg, details...)
}

func gatewayStatusMeta(c codes.Code, reason string, meta map[string]string, msg string, details ...protoadapt.MessageV1) *status.Status {
	st := status.New(c, msg)
	all := append([]protoadapt.MessageV1{&errdetails.ErrorInfo{Reason: reason, Domain: errorDomain, Metadata: meta}}, details...)
	if withDetails, err := st.WithDetails(all...); err == nil {
		return withDetails
	}
	return st
}

// calledBackend reports whether the request reached a backend.
func calledBackend(ctx context.Context) bool {
	s := stateFrom(ctx)
	return s != nil && s.backend
}
