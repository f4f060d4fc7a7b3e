// A Nomad Autoscaler host in miniature: launches the plugin exactly as the autoscaler's
// plugin manager does (go-plugin's client, its handshake config, gRPC only, the plugin
// dispensed as "target"), then drives it with the autoscaler's calls and extra keys against
// a mock-cluster, printing a transcript with each call's time. Exits 1 on the first failed
// check. Built in GOPATH mode against Debian's go-plugin, grpc and protobuf; the messages
// come from the .proto files at run time (a descriptor set from protoc), so no generated Go.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io/ioutil"
	"os/exec"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// As the autoscaler's plugins/plugin.go.
var handshake = plugin.HandshakeConfig{
	ProtocolVersion:  1,
	MagicCookieKey:   "NOMAD_AUTOSCALER_PLUGIN_MAGIC_COOKIE",
	MagicCookieValue: "e082fa04d587a6525d683666fa253d6afda00f20c122c54a80a3ed57fec99ff3",
}

// rawTarget hands out the connection itself: the calls are made by name below.
type rawTarget struct{ plugin.NetRPCUnsupportedPlugin }

func (rawTarget) GRPCServer(*plugin.GRPCBroker, *grpc.Server) error { return nil }
func (rawTarget) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (interface{}, error) {
	return c, nil
}

func main() {
	pluginPath := flag.String("plugin", "", "the plugin executable (named harvester)")
	descriptors := flag.String("descriptors", "", "FileDescriptorSet of the plugin protocol")
	harvesterURL := flag.String("harvester-url", "", "mock Harvester")
	harvesterToken := flag.String("harvester-token", "", "its token")
	harvesterTokenFile := flag.String("harvester-token-file", "", "the file holding it, given to the plugin as auth_token_file")
	nomadURL := flag.String("nomad-url", "", "mock Nomad")
	nomadToken := flag.String("nomad-token", "", "its token")
	measure := flag.Int("measure-status", 0, "only time this many Status calls (then shut down)")
	flag.Parse()

	raw, err := ioutil.ReadFile(*descriptors)
	if err != nil {
		fatal("%v", err)
	}
	var set descriptorpb.FileDescriptorSet
	if err := proto.Unmarshal(raw, &set); err != nil {
		fatal("descriptor set: %v", err)
	}
	if files, err = protodesc.NewFiles(&set); err != nil {
		fatal("descriptor set: %v", err)
	}

	// Started by hand, without the cookie: it says it is a plugin and exits 1.
	var stderr bytes.Buffer
	direct := exec.Command(*pluginPath)
	direct.Stderr = &stderr
	err = direct.Run()
	exit, _ := err.(*exec.ExitError)
	check(exit != nil && exit.ExitCode() == 1 && strings.Contains(stderr.String(), "plugin of HashiCorp's Nomad Autoscaler"),
		"without the cookie the plugin exits 1 saying what it is (%v)", err)

	hostLog := &syncBuffer{}
	logger := hclog.New(&hclog.LoggerOptions{Name: "external_plugin", Level: hclog.Info, Output: hostLog})
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  handshake,
		Plugins:          map[string]plugin.Plugin{"target": rawTarget{}},
		Cmd:              exec.Command(*pluginPath),
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           logger,
	})
	defer client.Kill()
	t := time.Now()
	rpc, err := client.Client()
	if err != nil {
		fatal("handshake: %v", err)
	}
	say("handshake in %.1f ms", float64(time.Since(t).Microseconds())/1000)
	dispensed, err := rpc.Dispense("target")
	if err != nil {
		fatal("dispense: %v", err)
	}
	conn := dispensed.(*grpc.ClientConn)

	info := message(basePkg + "PluginInfoResponse")
	if err := call(conn, 0, "/"+basePkg+"BasePluginService/PluginInfo", message(basePkg+"PluginInfoRequest"), info); err != nil {
		fatal("PluginInfo: %v", err)
	}
	check(get(info, "name").String() == "harvester" && get(info, "type").Enum() == 3,
		"PluginInfo: name %q, type %d (PLUGIN_TYPE_TARGET)", get(info, "name").String(), get(info, "type").Enum())

	setConfig := func(cfg map[string]string) error {
		in := message(basePkg + "SetConfigRequest")
		setMap(in, "config", cfg)
		return call(conn, 0, "/"+basePkg+"BasePluginService/SetConfig", in, message(basePkg+"SetConfigResponse"))
	}
	err = setConfig(map[string]string{"harvester_url": "ftp://nowhere", "auth_token": "x"})
	check(err != nil && strings.Contains(err.Error(), "harvester_url"), "a bad config is refused naming the key: %v", err)
	// The keys HashiCorp's autoscaler merges in from its own nomad block (MergeMapWithAgentConfig).
	config := map[string]string{
		"harvester_url": *harvesterURL, "auth_token": *harvesterToken,
		"nomad_address": *nomadURL, "nomad_token": *nomadToken, "nomad_region": "global",
		"nomad_skip-verify": "false", "nomad_block-query-wait-time": "5m0s", "poll_interval": "500ms",
	}
	if *harvesterTokenFile != "" { // as deploy/nomad/nomad-autoscaler-harvester.nomad.hcl gives it
		delete(config, "auth_token")
		config["auth_token_file"] = *harvesterTokenFile
	}
	err = setConfig(config)
	check(err == nil, "SetConfig with the autoscaler's nomad_* keys: %v", err)

	// Two policies, as an autoscaler with two scaling blocks for two node groups sends them.
	policyFor := func(group string) map[string]string {
		return map[string]string{
			"node_class": group, "node_group_name": group, "namespace": "nomad-clients",
			"cpu_request": "1", "memory_request": "16Gi", "image": "default/ubuntu-22.04-nomad",
			"network": "default/vlan100", "node_drain_deadline": "20s", "node_purge": "true",
			"_nomad_autoscaler_grpc_timeout": "7.5s",
		}
	}
	policy, batch := policyFor("hashistack"), policyFor("batch")
	batch["warm_pool_size"] = "1"
	stdioEnded := openStdio(conn)
	statusFor := func(policy map[string]string, timeout time.Duration) (bool, int64, map[string]string, error) {
		in := message(targetPkg + "StatusRequest")
		setMap(in, "config", policy)
		out := message(targetPkg + "StatusResponse")
		if err := call(conn, timeout, "/"+targetPkg+"TargetPluginService/Status", in, out); err != nil {
			return false, 0, nil, err
		}
		meta := map[string]string{}
		get(out, "meta").Map().Range(func(k protoreflect.MapKey, v protoreflect.Value) bool {
			meta[k.String()] = v.String()
			return true
		})
		return get(out, "ready").Bool(), get(out, "count").Int(), meta, nil
	}
	statusOf := func(timeout time.Duration) (bool, int64, map[string]string, error) {
		return statusFor(policy, timeout)
	}
	scaleFor := func(policy map[string]string, count int64, direction int32, meta map[string]interface{}) error {
		in := message(targetPkg + "ScaleRequest")
		setMap(in, "config", policy)
		action := message(sharedPkg + "ScalingAction")
		action.Set(action.Descriptor().Fields().ByName("count"), protoreflect.ValueOfInt64(count))
		action.Set(action.Descriptor().Fields().ByName("reason"), protoreflect.ValueOfString("host test"))
		action.Set(action.Descriptor().Fields().ByName("direction"), protoreflect.ValueOfEnum(protoreflect.EnumNumber(direction)))
		// As the autoscaler encodes it: an Any holding JSON, no type URL (shared/util.go).
		metaJSON, _ := json.Marshal(meta)
		anyMsg := message("google.protobuf.Any")
		anyMsg.Set(anyMsg.Descriptor().Fields().ByName("value"), protoreflect.ValueOfBytes(metaJSON))
		action.Set(action.Descriptor().Fields().ByName("meta"), protoreflect.ValueOfMessage(anyMsg))
		in.Set(in.Descriptor().Fields().ByName("action"), protoreflect.ValueOfMessage(action))
		return call(conn, 0, "/"+targetPkg+"TargetPluginService/Scale", in, message(targetPkg+"ScaleResponse"))
	}
	scale := func(count int64, direction int32, meta map[string]interface{}) error {
		return scaleFor(policy, count, direction, meta)
	}
	// Waits for the group to settle at `want` (ready), as the autoscaler's next evaluations would.
	settle := func(want int64) {
		deadline := time.Now().Add(90 * time.Second)
		for time.Now().Before(deadline) {
			ready, count, _, err := statusOf(7500 * time.Millisecond)
			if err == nil && ready && count == want {
				say("settled at %d", want)
				return
			}
			time.Sleep(500 * time.Millisecond)
		}
		fatal("the group did not settle at %d", want)
	}

	if *measure > 0 {
		var took []time.Duration
		var count int64
		for i := 0; i < *measure; i++ {
			t := time.Now()
			var err error
			if _, count, _, err = statusOf(7500 * time.Millisecond); err != nil {
				fatal("Status: %v", err)
			}
			took = append(took, time.Since(t))
		}
		first := took[0]
		sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		say("Status x%d (count %d): first %.1f ms, p50 %.2f ms, p95 %.2f ms, max %.1f ms", len(took), count, ms(first),
			ms(took[len(took)/2]), ms(took[len(took)*95/100]), ms(took[len(took)-1]))
		client.Kill()
		return
	}

	ready, before, _, err := statusOf(7500 * time.Millisecond)
	check(err == nil, "Status: ready %v, count %d", ready, before)
	settle(before)

	// Both policies scale out at once (the autoscaler runs each policy's evaluation on its
	// own worker), and Status keeps answering while they boot.
	var scales sync.WaitGroup
	var upErr, batchErr error
	scales.Add(2)
	go func() {
		defer scales.Done()
		upErr = scale(before+2, 3, map[string]interface{}{"nomad_policy_id": "host-test"})
	}()
	go func() {
		defer scales.Done()
		batchErr = scaleFor(batch, 1, 3, map[string]interface{}{"nomad_policy_id": "batch"})
	}()
	scaled := make(chan struct{})
	go func() { scales.Wait(); close(scaled) }()
	answered := 0
	for waiting := true; waiting; {
		select {
		case <-scaled:
			waiting = false
		case <-time.After(time.Second):
			_, _, _, err := statusFor(batch, 7500*time.Millisecond)
			check(err == nil, "Status of one policy while both scale: %v", err)
			answered++
		}
	}
	check(answered > 0, "%d Status calls answered during the scale-outs", answered)
	check(upErr == nil, "Scale up by 2 returns once the VMs joined: %v", upErr)
	check(batchErr == nil, "the other policy's Scale up by 1, at the same time: %v", batchErr)
	ready, count, meta, err := statusOf(7500 * time.Millisecond)
	check(err == nil && ready && count == before+2 && meta["nomad_autoscaler.last_event"] != "",
		"Status after the scale-out: ready %v, count %d, last_event %s", ready, count, meta["nomad_autoscaler.last_event"])
	ready, count, _, err = statusFor(batch, 7500*time.Millisecond)
	check(err == nil && ready && count == 1, "the other policy's Status: ready %v, count %d", ready, count)

	err = scale(before+1, 2, map[string]interface{}{"nomad_policy_id": "host-test"})
	check(err == nil, "Scale down by 1 returns with its drain under way: %v", err)
	settle(before + 1)
	// Drained, then deleted by the plugin on its own: the group's VMs, as Harvester lists them.
	vms := func() int { return len(groupVMs(*harvesterURL, *harvesterToken, "hashistack")) }
	deleted := false
	for i := 0; i < 180 && !deleted; i++ {
		deleted = vms() == int(before+1)
		if !deleted {
			time.Sleep(500 * time.Millisecond)
		}
	}
	check(deleted, "the drained node's VM was deleted: %d VMs in the group", vms())

	// The warm pool (the batch policy keeps one): a scale-in parks its VM, stopped, and the
	// next scale-out starts that VM again instead of creating one.
	parked := groupVMs(*harvesterURL, *harvesterToken, "batch")
	err = scaleFor(batch, 0, 2, map[string]interface{}{"nomad_policy_id": "batch"})
	check(err == nil && len(parked) == 1, "the batch policy's Scale down to 0: %v (VMs %v)", err, parked)
	stopped := false
	for i := 0; i < 180 && !stopped; i++ {
		now := groupVMs(*harvesterURL, *harvesterToken, "batch")
		stopped = len(now) == 1 && reflect.DeepEqual(keys(now), keys(parked)) && now[keys(now)[0]] == "Stopped"
		if !stopped {
			time.Sleep(500 * time.Millisecond)
		}
	}
	check(stopped, "its VM was drained and parked, stopped: %v", groupVMs(*harvesterURL, *harvesterToken, "batch"))
	_, count, _, err = statusFor(batch, 7500*time.Millisecond)
	check(err == nil && count == 0, "a parked VM is not counted: count %d", count)
	err = scaleFor(batch, 1, 3, map[string]interface{}{"nomad_policy_id": "batch"})
	restarted := groupVMs(*harvesterURL, *harvesterToken, "batch")
	check(err == nil && reflect.DeepEqual(keys(restarted), keys(parked)) && restarted[keys(restarted)[0]] == "Running",
		"the next scale-out started the parked VM, no new one: %v, VMs %v", err, restarted)

	err = scale(-1, 1, map[string]interface{}{"nomad_autoscaler.dry_run": true, "nomad_autoscaler.dry_run.count": before + 5})
	check(status.Code(err) == codes.Aborted && strings.Contains(err.Error(), "dry run"),
		"a dry run changes nothing and says so: %v", err)
	_, count, _, _ = statusOf(7500 * time.Millisecond)
	check(count == before+1, "count after the dry run: %d", count)

	_, _, _, err = statusOf(time.Microsecond)
	check(status.Code(err) == codes.DeadlineExceeded, "a Status past its deadline: %v", status.Code(err))

	t = time.Now()
	client.Kill()
	took := time.Since(t)
	check(took < 2*time.Second && client.Exited(), "Shutdown: the plugin exited in %.0f ms", float64(took.Milliseconds()))
	select {
	case err := <-stdioEnded:
		check(err != nil, "the stdio stream, open and empty until then, ended with the plugin: %v", status.Code(err))
	case <-time.After(2 * time.Second):
		fatal("the stdio stream is still open after the plugin ended")
	}
	log := hostLog.String()
	check(!strings.Contains(log, "plugin failed to exit gracefully"), "it needed no SIGKILL")
	check(strings.Contains(log, "[INFO]  external_plugin"), "the plugin's info lines are relayed at INFO")
	fmt.Print(log)
}
