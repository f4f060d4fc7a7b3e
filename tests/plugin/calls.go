// The host's calls by name: protobuf messages made at run time from the protocol's
// descriptor set, each call timed into the transcript, and go-plugin's stdio stream.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"
)

const (
	basePkg   = "hashicorp.nomad_autoscaler.plugins.base.proto.v1."
	targetPkg = "hashicorp.nomad_autoscaler.plugins.target.proto.v1."
	sharedPkg = "hashicorp.nomad_autoscaler.plugins.shared.proto.v1."
)

var files *protoregistry.Files

// v2Codec marshals the dynamic messages with the protobuf API they are made with (Debian's
// grpc defaults to the older github.com/golang/protobuf, which cannot).
type v2Codec struct{}

func (v2Codec) Marshal(v interface{}) ([]byte, error)   { return proto.Marshal(v.(proto.Message)) }
func (v2Codec) Unmarshal(b []byte, v interface{}) error { return proto.Unmarshal(b, v.(proto.Message)) }
func (v2Codec) Name() string                            { return "proto" }

var _ encoding.Codec = v2Codec{}

func message(name string) *dynamicpb.Message {
	d, err := files.FindDescriptorByName(protoreflect.FullName(name))
	if err != nil {
		fatal("no message %s: %v", name, err)
	}
	return dynamicpb.NewMessage(d.(protoreflect.MessageDescriptor))
}

func setMap(m *dynamicpb.Message, field string, kv map[string]string) {
	fd := m.Descriptor().Fields().ByName(protoreflect.Name(field))
	mv := m.Mutable(fd).Map()
	for k, v := range kv {
		mv.Set(protoreflect.ValueOfString(k).MapKey(), protoreflect.ValueOfString(v))
	}
}

func get(m *dynamicpb.Message, field string) protoreflect.Value {
	return m.Get(m.Descriptor().Fields().ByName(protoreflect.Name(field)))
}

var start = time.Now()

func say(format string, args ...interface{}) {
	fmt.Printf("[%7.3fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
}

func fatal(format string, args ...interface{}) {
	say("FAIL: "+format, args...)
	os.Exit(1)
}

func check(ok bool, format string, args ...interface{}) {
	if !ok {
		fatal(format, args...)
	}
	say("ok: "+format, args...)
}

// call invokes a method and says how long it took.
func call(conn *grpc.ClientConn, timeout time.Duration, method string, in, out *dynamicpb.Message) error {
	ctx := context.Background()
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	t := time.Now()
	err := conn.Invoke(ctx, method, in, out, grpc.ForceCodec(v2Codec{}))
	say("%s took %.1f ms (%v)", method[strings.LastIndex(method, "/")+1:], float64(time.Since(t).Microseconds())/1000, status.Code(err))
	return err
}

// syncBuffer collects the host's log, which go-plugin writes from its goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// openStdio opens go-plugin's stdio stream as go-plugin hosts since v1.1.0 do (Debian's
// v1.0.1 does not): it must stay open, carrying nothing, until the plugin ends. Returns
// where the stream's end (an error, io.EOF included) arrives.
func openStdio(conn *grpc.ClientConn) <-chan error {
	desc := &grpc.StreamDesc{StreamName: "StreamStdio", ServerStreams: true}
	stream, err := conn.NewStream(context.Background(), desc, "/plugin.GRPCStdio/StreamStdio", grpc.ForceCodec(v2Codec{}))
	if err == nil {
		err = stream.SendMsg(message("google.protobuf.Empty"))
	}
	if err == nil {
		err = stream.CloseSend()
	}
	check(err == nil, "the stdio stream opens: %v", err)
	ended := make(chan error, 1)
	go func() {
		for {
			data := message("plugin.StdioData")
			if err := stream.RecvMsg(data); err != nil {
				ended <- err
				return
			}
			fatal("the stdio stream carried data: %v", data)
		}
	}()
	select {
	case err := <-ended:
		fatal("the stdio stream ended at once: %v", err)
	case <-time.After(300 * time.Millisecond):
		say("ok: the stdio stream is open")
	}
	return ended
}

// groupVMs lists a node group's VMs as Harvester does: name to status.printableStatus.
func groupVMs(harvesterURL, token, group string) map[string]string {
	req, _ := http.NewRequest("GET", harvesterURL+"/apis/kubevirt.io/v1/namespaces/nomad-clients/virtualmachines?labelSelector=harvester-autoscaler%2Fnode-group%3D"+group, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		fatal("listing the VMs: %v", err)
	}
	defer res.Body.Close()
	var list struct {
		Items []struct {
			Metadata struct{ Name string }
			Status   struct{ PrintableStatus string }
		}
	}
	if err := json.NewDecoder(res.Body).Decode(&list); err != nil {
		fatal("listing the VMs: %v", err)
	}
	out := map[string]string{}
	for _, vm := range list.Items {
		out[vm.Metadata.Name] = vm.Status.PrintableStatus
	}
	return out
}

func keys(m map[string]string) []string {
	out := []string{}
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
