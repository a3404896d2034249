// Package grpcserver is the one gRPC bootstrap every Engage service runs
// on, so that all of them log, measure, authenticate, validate, limit, report
// health and stop the same way.
//
// A service binary does:
//
//	srv, err := grpcserver.New(
//		grpcserver.WithLogger(logger),
//		grpcserver.WithRegisterer(registry),
//		grpcserver.WithUnaryInterceptors(authn.Unary),
//		grpcserver.WithStreamInterceptors(authn.Stream),
//	)
//	forumv1.RegisterForumServiceServer(srv.GRPC(), forumServer)
//	go srv.Serve(lis)
//	// … once the store is open:
//	srv.SetServing()
//	// … on SIGTERM:
//	srv.Shutdown(ctx)
//
// # Interceptor chain
//
// Every call, unary or streaming, passes through, from the outside in:
//
//  1. panic recovery: a panic in an interceptor is logged with its stack and
//     the caller gets INTERNAL "internal error";
//  2. (unary) the deadline cap: min(client deadline, WithMaxCallDuration);
//     (streams) health Watch streams end when shutdown begins;
//  3. request id (package requestid);
//  4. access log (package logging);
//  5. Prometheus metrics, when WithRegisterer is given;
//  6. error translation: the handler's wrapped domain errors become a gRPC
//     status once, with errs.ToStatus; an error that maps to nothing is
//     logged with the request id and the caller sees INTERNAL "internal
//     error";
//  7. panic recovery again, turning a panic of the caller's interceptors or
//     of the handler into an internal error, so that steps 3 to 6 still log,
//     count and translate the call;
//  8. the caller's interceptors (WithUnaryInterceptors, WithStreamInterceptors),
//     in the order given: authentication goes here;
//  9. protovalidate validation of every request message, failures reported as
//     INVALID_ARGUMENT with google.rpc.BadRequest field violations.
//
// Translation sits inside the log and the metrics, not outside them, so that
// both record the code the caller actually receives (the Prometheus
// interceptor reads the code from a gRPC status and would count every
// domain error as UNKNOWN), while the errors of authentication, validation
// and handlers all get their details from the same translation.
//
// # Health and shutdown
//
// The health service reports NOT_SERVING for the server ("") and for every
// registered service until SetServing, and again from the moment Shutdown
// starts, so load balancers stop sending calls before connections close.
// Shutdown then waits for running calls with GracefulStop, bounded by
// WithShutdownTimeout, after which it closes every connection.
//
// GracefulStop waits for every handler to return, and a server-streaming
// handler that follows a subscription has no natural end. Such handlers must
// select on Draining, which is closed when Shutdown begins, and return:
//
//	for {
//		select {
//		case ev := <-events:
//			if err := stream.Send(ev); err != nil {
//				return err
//			}
//		case <-srv.Draining():
//			return status.Error(codes.Unavailable, "server shutting down")
//		case <-stream.Context().Done():
//			return stream.Context().Err()
//		}
//	}
//
// A handler that does not is cut off when the timeout forces the stop.
// Unary calls need nothing: their deadline is capped.
package grpcserver
