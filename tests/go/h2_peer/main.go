// An independent gRPC server (grpc-go) for the cross-checks of our HTTP/2 client
// (shared/grpc/h2/): grpc-go Huffman-codes its headers and indexes them in the HPACK dynamic
// table, so our decoder sees what a Go performer sends. Serves grpc.health.v1 (SERVING) and,
// for any other method, raw bytes through an unknown-service handler:
//
//	/test.Echo/Echo          answers the request bytes
//	/test.Echo/Fail          fails FAILED_PRECONDITION with a non-ASCII message
//	/test.Echo/Big           answers N zero bytes, N = the request's bytes as a decimal number
//	/test.Echo/BigHeader     answers the request with a 40 KB header (HEADERS + CONTINUATION)
//	/test.Echo/Sleep         answers after N ms (N as for Big)
//
// Prints "port N"; on stdin "stop" (or SIGUSR2) it stops gracefully (GOAWAY), prints
// "goaway sent", and exits once its connections are gone.
package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// raw is a message carried as its bytes; the codec below passes it through unchanged and
// serializes everything else as protobuf (the health service).
type raw struct{ data []byte }

type codec struct{}

func (codec) Marshal(v any) ([]byte, error) {
	if r, ok := v.(*raw); ok {
		return r.data, nil
	}
	return proto.Marshal(v.(proto.Message))
}

func (codec) Unmarshal(data []byte, v any) error {
	if r, ok := v.(*raw); ok {
		r.data = append([]byte(nil), data...)
		return nil
	}
	return proto.Unmarshal(data, v.(proto.Message))
}

func (codec) Name() string { return "proto" }

func handle(_ any, stream grpc.ServerStream) error {
	method, _ := grpc.MethodFromServerStream(stream)
	in := &raw{}
	if err := stream.RecvMsg(in); err != nil {
		return err
	}
	number, _ := strconv.Atoi(string(in.data))
	switch method {
	case "/test.Echo/Echo":
		return stream.SendMsg(in)
	case "/test.Echo/Fail":
		return status.Error(codes.FailedPrecondition, "Zustand ungültig — 任务失败 ✓ 100%")
	case "/test.Echo/Big":
		return stream.SendMsg(&raw{data: make([]byte, number)})
	case "/test.Echo/BigHeader":
		stream.SetHeader(metadata.Pairs("x-big", strings.Repeat("h", 40_000)))
		return stream.SendMsg(in)
	case "/test.Echo/Sleep":
		time.Sleep(time.Duration(number) * time.Millisecond)
		return stream.SendMsg(in)
	}
	return status.Errorf(codes.Unimplemented, "unknown method %s", method)
}

func main() {
	encoding.RegisterCodec(codec{})
	listener, err := net.Listen("tcp", "127.0.0.1:"+firstArg("0"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	server := grpc.NewServer(
		grpc.UnknownServiceHandler(handle),
		grpc.MaxRecvMsgSize(8<<20),
		grpc.MaxSendMsgSize(8<<20),
	)
	healthpb.RegisterHealthServer(server, health.NewServer())
	fmt.Printf("port %d\n", listener.Addr().(*net.TCPAddr).Port)
	stop := make(chan struct{}, 2)
	go func() {
		scanner := bufio.NewScanner(os.Stdin)
		for scanner.Scan() {
			if strings.TrimSpace(scanner.Text()) == "stop" {
				stop <- struct{}{}
			}
		}
	}()
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGUSR2)
	go func() {
		<-signals
		stop <- struct{}{}
	}()
	go func() {
		<-stop
		fmt.Println("goaway sent")
		server.GracefulStop()
	}()
	if err := server.Serve(listener); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func firstArg(fallback string) string {
	if len(os.Args) > 1 {
		return os.Args[1]
	}
	return fallback
}
