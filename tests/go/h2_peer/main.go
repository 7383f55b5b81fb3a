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
//
// `h2-peer client HOST:PORT` is a grpc-go client for our gRPC server (shared/grpc/h2/server.ts)
// instead: it calls health Check, health Watch (first message, then cancel) and /test.Raw/Echo (OK, a failure, a deadline, 4 MiB both ways,
// 150 concurrent calls), prints the results as one JSON line, then makes one more call (a
// "sleep:300" echo, during which the test closes the server gracefully), prints it as a second
// JSON line and exits.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
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
	if len(os.Args) > 2 && os.Args[1] == "client" {
		runClient(os.Args[2])
		return
	}
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

// outcome is what one call gave: the answer's size and (short) text, or its status.
type outcome struct {
	Code    int    `json:"code"`
	Details string `json:"details,omitempty"`
	Size    int    `json:"size,omitempty"`
	Text    string `json:"text,omitempty"`
}

func runClient(address string) {
	conn, err := grpc.NewClient(address,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(8<<20), grpc.MaxCallSendMsgSize(8<<20)))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer conn.Close()
	echo := func(data []byte, timeout time.Duration) outcome {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		out := &raw{}
		if err := conn.Invoke(ctx, "/test.Raw/Echo", &raw{data: data}, out); err != nil {
			s, _ := status.FromError(err)
			return outcome{Code: int(s.Code()), Details: s.Message()}
		}
		text := ""
		if len(out.data) < 100 {
			text = string(out.data)
		}
		return outcome{Size: len(out.data), Text: text}
	}
	result := map[string]any{}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	res, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	cancel()
	if err != nil {
		result["health"] = err.Error()
	} else {
		result["health"] = res.Status.String()
	}
	// Server-streaming: the health Watch's first message, then the stream's second read after the
	// client's cancel (codes.Canceled).
	watchCtx, stopWatch := context.WithTimeout(context.Background(), 5*time.Second)
	watch, err := healthpb.NewHealthClient(conn).Watch(watchCtx, &healthpb.HealthCheckRequest{})
	if err != nil {
		result["watch"] = err.Error()
	} else if first, err := watch.Recv(); err != nil {
		result["watch"] = err.Error()
	} else {
		stopWatch()
		_, err := watch.Recv()
		result["watch"] = []string{first.Status.String(), status.Code(err).String()}
	}
	stopWatch()
	result["ok"] = echo([]byte("hello"), 5*time.Second)
	result["fail"] = echo([]byte("fail:"), 5*time.Second)
	result["deadline"] = echo([]byte("sleep:2000"), 200*time.Millisecond)
	result["big"] = echo(make([]byte, 4<<20-64), 20*time.Second)
	result["bigResponse"] = echo([]byte("big:"+strconv.Itoa(4<<20-64)), 20*time.Second)
	var wg sync.WaitGroup
	var mu sync.Mutex
	good := 0
	for i := 0; i < 150; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			want := fmt.Sprintf("n%d", i)
			if echo([]byte(want), 5*time.Second).Text == want {
				mu.Lock()
				good++
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	result["many"] = good
	line, _ := json.Marshal(result)
	fmt.Println(string(line))
	during, _ := json.Marshal(map[string]any{"during": echo([]byte("sleep:300"), 5*time.Second)})
	fmt.Println(string(during))
}
