// Command gen writes tests/vectors/go_encodings.json: reference encodings
// produced by the real Go libraries that containerd uses, so that boltview's
// decoders are checked against Go itself and the tests run without Go.
//
// Build and run, from the repository root, with Debian's Go packages
// (golang-go, golang-github-containerd-containerd-dev,
// golang-google-protobuf-dev):
//
//	cd tests/vectors/gen
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o /tmp/boltview-gen .
//	/tmp/boltview-gen > ../go_encodings.json
//
// Sections:
//   - times: time.Time.MarshalBinary, and Format(time.RFC3339Nano) of the
//     time Go's UnmarshalBinary reads back (what ctr would print);
//   - varints, uvarints: binary.PutVarint / PutUvarint, and binary.Uvarint's
//     verdict on malformed input;
//   - digests: go-digest's Parse verdict;
//   - protobuf: containerd's generated option messages marshaled by their own
//     code, wrapped in Any by containerd's typeurl, plus raw protowire cases.
package main

import (
	_ "crypto/sha256" // go-digest only supports hashes linked in, as containerd does
	_ "crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"os"
	"runtime"
	"strconv"
	"time"

	"github.com/containerd/containerd/pkg/runtimeoptions/v1"
	"github.com/containerd/containerd/runtime/linux/runctypes"
	"github.com/containerd/containerd/runtime/v2/runc/options"
	"github.com/containerd/typeurl"
	"github.com/gogo/protobuf/proto"
	"github.com/gogo/protobuf/types"
	digest "github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"google.golang.org/protobuf/encoding/protowire"
)

// Registered exactly as containerd's runtime/typeurl.go and the CRI plugin
// do; importing those packages would pull in most of containerd.
func init() {
	major := strconv.Itoa(specs.VersionMajor)
	typeurl.Register(&specs.Spec{}, "types.containerd.io", "opencontainers/runtime-spec", major, "Spec")
	typeurl.Register(&criContainerMetadata{}, "github.com/containerd/cri/pkg/store/container", "Metadata")
	typeurl.Register(&networkMetaData{}, "github.com/containerd/containerd/cmd/ctr/commands", "NetworkMetaData")
}

// criContainerMetadata mirrors the shape of CRI's versioned metadata
// ({"Version":"v1","Metadata":{...}}), trimmed to a few fields.
type criContainerMetadata struct {
	Version  string
	Metadata struct {
		ID        string
		Name      string
		SandboxID string
		LogPath   string
	}
}

// networkMetaData is ctr's extension for `ctr run --cni` (containerd 1.7+).
type networkMetaData struct {
	EnableCni bool
}

type timeVector struct {
	Name string `json:"name"`
	// Binary is MarshalBinary's output, hex.
	Binary string `json:"binary"`
	// RFC3339 formats the time UnmarshalBinary returns, as ctr shows it.
	RFC3339 string `json:"rfc3339"`
	// Original formats the time before marshaling; it differs from RFC3339
	// only where Go's own round trip is lossy (negative offsets with seconds).
	Original    string `json:"original"`
	UnixSeconds int64  `json:"unix_seconds"`
	Nanos       int    `json:"nanos"`
	// Offset is the zone offset in seconds after UnmarshalBinary.
	Offset int  `json:"offset"`
	UTC    bool `json:"utc"`
}

type binaryError struct {
	Name   string `json:"name"`
	Binary string `json:"binary"`
	Error  string `json:"error"`
}

type varintVector struct {
	// Value is a decimal string: JSON numbers lose precision past 2^53 in
	// some readers.
	Value string `json:"value"`
	Hex   string `json:"hex"`
}

type uvarintRead struct {
	Hex string `json:"hex"`
	// Value and N are binary.Uvarint's results: N == 0 means truncated,
	// N < 0 overflow.
	Value string `json:"value"`
	N     int    `json:"n"`
}

type digestVector struct {
	Digest string `json:"digest"`
	Valid  bool   `json:"valid"`
	Error  string `json:"error,omitempty"`
}

type protoVector struct {
	Name string `json:"name"`
	// Hex is the encoded message (for Any vectors, the encoded Any).
	Hex string `json:"hex"`
	// TypeURL and ValueHex are filled for Any vectors.
	TypeURL  string `json:"type_url,omitempty"`
	ValueHex string `json:"value_hex,omitempty"`
	// Expected is what a decoder should find, as set in Go.
	Expected interface{} `json:"expected"`
}

type wireField struct {
	Number int    `json:"number"`
	Type   int    `json:"wire_type"`
	Value  string `json:"value"` // decimal for numbers, hex for bytes and groups
}

type wireVector struct {
	Name   string      `json:"name"`
	Hex    string      `json:"hex"`
	Valid  bool        `json:"valid"`
	Fields []wireField `json:"fields,omitempty"`
}

type output struct {
	Generator   string         `json:"generator"`
	GoVersion   string         `json:"go_version"`
	Times       []timeVector   `json:"times"`
	TimeErrors  []binaryError  `json:"time_errors"`
	Varints     []varintVector `json:"varints"`
	Uvarints    []varintVector `json:"uvarints"`
	UvarintRead []uvarintRead  `json:"uvarint_reads"`
	Digests     []digestVector `json:"digests"`
	Protobuf    []protoVector  `json:"protobuf"`
	Wire        []wireVector   `json:"wire"`
}

func main() {
	// UnmarshalBinary picks time.Local when the offset matches it; pin Local
	// to an offset no vector uses, so the output does not depend on the
	// machine and a zero offset stays distinct from time.UTC.
	time.Local = time.FixedZone("generator-local", 13*3600+47*60+11)
	out := output{
		Generator:   "tests/vectors/gen/main.go",
		GoVersion:   runtime.Version(),
		Times:       times(),
		TimeErrors:  timeErrors(),
		Varints:     varints(),
		Uvarints:    uvarints(),
		UvarintRead: uvarintReads(),
		Digests:     digests(),
		Protobuf:    protobufs(),
		Wire:        wires(),
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	must(enc.Encode(out))
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func zone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	must(err)
	return loc
}

func times() []timeVector {
	type namedTime struct {
		name string
		t    time.Time
	}
	ts := []namedTime{
		{"unix epoch", time.Unix(0, 0).UTC()},
		{"containerd-like createdat", time.Date(2023, 11, 14, 22, 13, 20, 123456789, time.UTC)},
		{"whole second", time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC)},
		{"one nanosecond", time.Date(2024, 2, 29, 12, 0, 0, 1, time.UTC)},
		{"trailing zeros trimmed", time.Date(2024, 2, 29, 12, 0, 0, 120000000, time.UTC)},
		{"microseconds", time.Date(2024, 2, 29, 12, 0, 0, 123456000, time.UTC)},
		{"max nanos", time.Date(2024, 12, 31, 23, 59, 59, 999999999, time.UTC)},
		{"zero time", time.Time{}},
		{"year 1 with nanos", time.Date(1, 1, 1, 0, 0, 0, 500, time.UTC)},
		{"before unix epoch", time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC)},
		{"year 9999", time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)},
		{"year 10000", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"year 275760", time.Date(275760, 9, 13, 0, 0, 0, 0, time.UTC)},
		{"year 0", time.Date(0, 6, 15, 1, 2, 3, 4, time.UTC)},
		{"year -1", time.Date(-1, 12, 31, 23, 59, 59, 0, time.UTC)},
		{"year -4713", time.Date(-4713, 11, 24, 12, 0, 0, 0, time.UTC)},
		{"year -123456", time.Date(-123456, 3, 1, 0, 0, 0, 0, time.UTC)},
		{"far future 2^40 unix", time.Unix(1<<40, 7).UTC()},
		{"far past -2^40 unix", time.Unix(-(1 << 40), 7).UTC()},
		{"fixed zero offset, not UTC", time.Date(2023, 1, 2, 3, 4, 5, 6, time.FixedZone("", 0))},
		{"+05:30", time.Date(2023, 1, 2, 3, 4, 5, 6, time.FixedZone("", 5*3600+30*60))},
		{"-08:00", time.Date(2023, 1, 2, 3, 4, 5, 6, time.FixedZone("", -8*3600))},
		{"-00:30", time.Date(2023, 1, 2, 3, 4, 5, 6, time.FixedZone("", -30*60))},
		{"+14:00", time.Date(2023, 1, 2, 3, 4, 5, 6, time.FixedZone("", 14*3600))},
		{"-12:00", time.Date(2023, 1, 2, 3, 4, 5, 6, time.FixedZone("", -12*3600))},
		{"+25:00 (beyond a day)", time.Date(2023, 1, 2, 3, 4, 5, 6, time.FixedZone("", 25*3600))},
		{"max int16 minutes", time.Date(2023, 1, 2, 3, 4, 5, 6, time.FixedZone("", 32767*60))},
		{"min int16 minutes", time.Date(2023, 1, 2, 3, 4, 5, 6, time.FixedZone("", -32768*60))},
		{"America/New_York winter", time.Date(2023, 1, 15, 8, 0, 0, 0, zone("America/New_York"))},
		{"America/New_York summer", time.Date(2023, 7, 15, 8, 0, 0, 0, zone("America/New_York"))},
		{"Asia/Kolkata", time.Date(2023, 7, 15, 8, 0, 0, 42, zone("Asia/Kolkata"))},
		{"Asia/Kathmandu", time.Date(2023, 7, 15, 8, 0, 0, 0, zone("Asia/Kathmandu"))},
		{"Pacific/Chatham", time.Date(2023, 7, 15, 8, 0, 0, 0, zone("Pacific/Chatham"))},
		{"America/St_Johns", time.Date(2023, 7, 15, 8, 0, 0, 0, zone("America/St_Johns"))},
		{"Europe/London winter (zero offset)", time.Date(2023, 1, 15, 8, 0, 0, 0, zone("Europe/London"))},
		// Version 2: zone offsets with seconds, from local mean time.
		{"v2 Europe/Amsterdam 1920 +00:19:32", time.Date(1920, 6, 1, 12, 0, 0, 0, zone("Europe/Amsterdam"))},
		{"v2 Asia/Kolkata 1900 +05:21:10", time.Date(1900, 6, 1, 12, 0, 0, 0, zone("Asia/Kolkata"))},
		{"v2 fixed +05:30:15", time.Date(2023, 1, 2, 3, 4, 5, 6, time.FixedZone("", 5*3600+30*60+15))},
		{"v2 fixed +00:00:30", time.Date(2023, 1, 2, 3, 4, 5, 6, time.FixedZone("", 30))},
		{"v2 fixed +00:00:59", time.Date(2023, 1, 2, 3, 4, 5, 6, time.FixedZone("", 59))},
		// Negative offsets with seconds: MarshalBinary writes int8(-s) but
		// UnmarshalBinary adds the byte unsigned, so Go's own round trip moves
		// the zone. ctr shows the moved zone; so must boltview.
		{"v2 Africa/Monrovia 1960 -00:44:30", time.Date(1960, 6, 1, 12, 0, 0, 0, zone("Africa/Monrovia"))},
		{"v2 America/New_York 1880 -04:56:02", time.Date(1880, 6, 1, 12, 0, 0, 0, zone("America/New_York"))},
		{"v2 fixed -00:00:30", time.Date(2023, 1, 2, 3, 4, 5, 6, time.FixedZone("", -30))},
		{"v2 fixed -05:30:15", time.Date(2023, 1, 2, 3, 4, 5, 6, time.FixedZone("", -(5*3600+30*60+15)))},
	}
	// A deterministic spread: random instants in years 1..9999, random
	// nanoseconds, random zones (minutes, sometimes seconds).
	rng := rand.New(rand.NewSource(20240229))
	minSec := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	maxSec := time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).Unix()
	for i := 0; i < 60; i++ {
		sec := minSec + rng.Int63n(maxSec-minSec)
		nsec := rng.Int63n(1e9)
		if i%3 == 0 {
			nsec -= nsec % 1000 // microsecond precision, like many writers
		}
		var loc *time.Location
		switch i % 4 {
		case 0:
			loc = time.UTC
		case 1:
			loc = time.FixedZone("", (rng.Intn(2*24*60)-24*60)*60)
		case 2:
			loc = time.FixedZone("", rng.Intn(2*14*3600)-14*3600)
		default:
			loc = time.FixedZone("", rng.Intn(14*3600))
		}
		ts = append(ts, namedTime{fmt.Sprintf("random %d", i), time.Unix(sec, nsec).In(loc)})
	}

	var vs []timeVector
	for _, nt := range ts {
		b, err := nt.t.MarshalBinary()
		must(err)
		var back time.Time
		must(back.UnmarshalBinary(b))
		_, offset := back.Zone()
		vs = append(vs, timeVector{
			Name:        nt.name,
			Binary:      hex.EncodeToString(b),
			RFC3339:     back.Format(time.RFC3339Nano),
			Original:    nt.t.Format(time.RFC3339Nano),
			UnixSeconds: back.Unix(),
			Nanos:       back.Nanosecond(),
			Offset:      offset,
			UTC:         back.Location() == time.UTC,
		})
	}
	// Hand-made encodings Go reads but never writes: extreme seconds.
	for _, c := range []struct {
		name string
		sec  int64
	}{
		{"seconds 2^62", 1 << 62},
		{"seconds -2^62", -(1 << 62)},
		{"seconds max int64", math.MaxInt64},
	} {
		b := make([]byte, 15)
		b[0] = 1
		binary.BigEndian.PutUint64(b[1:], uint64(c.sec))
		binary.BigEndian.PutUint32(b[9:], 123)
		binary.BigEndian.PutUint16(b[13:], 0xFFFF)
		var back time.Time
		must(back.UnmarshalBinary(b))
		_, offset := back.Zone()
		vs = append(vs, timeVector{
			Name: c.name, Binary: hex.EncodeToString(b),
			RFC3339: back.Format(time.RFC3339Nano), Original: back.Format(time.RFC3339Nano),
			UnixSeconds: back.Unix(), Nanos: back.Nanosecond(), Offset: offset, UTC: true,
		})
	}
	return vs
}

func timeErrors() []binaryError {
	good, err := time.Date(2023, 1, 2, 3, 4, 5, 6, time.UTC).MarshalBinary()
	must(err)
	cases := []struct {
		name string
		data []byte
	}{
		{"empty", []byte{}},
		{"version 0", append([]byte{0}, good[1:]...)},
		{"version 3", append([]byte{3}, good[1:]...)},
		{"version 1 too short", good[:14]},
		{"version 1 too long", append(append([]byte{}, good...), 0)},
		{"version 2 too short", append([]byte{2}, good[1:]...)},
		{"version byte only", []byte{1}},
	}
	var out []binaryError
	for _, c := range cases {
		var t time.Time
		err := t.UnmarshalBinary(c.data)
		if err == nil {
			panic("expected an error for " + c.name)
		}
		out = append(out, binaryError{c.name, hex.EncodeToString(c.data), err.Error()})
	}
	return out
}

func varints() []varintVector {
	values := []int64{
		0, 1, -1, 2, -2, 63, -64, 64, -65, 127, 128, -128, 300, -300,
		math.MaxInt32, math.MinInt32, math.MaxInt32 + 1, math.MinInt32 - 1,
		1 << 32, -(1 << 32), 1 << 62, -(1 << 62), math.MaxInt64, math.MinInt64,
		math.MaxInt64 - 1, math.MinInt64 + 1,
	}
	var out []varintVector
	buf := make([]byte, binary.MaxVarintLen64)
	for _, v := range values {
		n := binary.PutVarint(buf, v)
		out = append(out, varintVector{strconv.FormatInt(v, 10), hex.EncodeToString(buf[:n])})
	}
	return out
}

func uvarints() []varintVector {
	values := []uint64{
		0, 1, 127, 128, 255, 256, 300, 1<<14 - 1, 1 << 14, 1<<21 - 1, 1 << 21,
		math.MaxUint32, 1 << 32, 1 << 56, 1<<63 - 1, 1 << 63, math.MaxUint64 - 1, math.MaxUint64,
	}
	var out []varintVector
	buf := make([]byte, binary.MaxVarintLen64)
	for _, v := range values {
		n := binary.PutUvarint(buf, v)
		out = append(out, varintVector{strconv.FormatUint(v, 10), hex.EncodeToString(buf[:n])})
	}
	return out
}

func uvarintReads() []uvarintRead {
	inputs := []string{
		"", "80", "8080", "ff", "00", "7f", "8001", "ac02",
		"ffffffffffffffffff01",   // max uint64, ten bytes
		"ffffffffffffffffff02",   // tenth byte > 1: overflow
		"ffffffffffffffffff7f",   // overflow
		"ffffffffffffffffffff01", // eleven bytes: overflow
		"80808080808080808000",   // zero, padded to ten bytes: accepted
		"8080808080808080808000", // zero, padded to eleven: overflow
		"808080808080808080",     // nine continuation bytes, then the end
	}
	var out []uvarintRead
	for _, s := range inputs {
		b, err := hex.DecodeString(s)
		must(err)
		v, n := binary.Uvarint(b)
		out = append(out, uvarintRead{s, strconv.FormatUint(v, 10), n})
	}
	return out
}

func digests() []digestVector {
	hex64 := "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	inputs := []string{
		"sha256:" + hex64,
		"sha384:" + hex64 + hex64[:32],
		"sha512:" + hex64 + hex64,
		"sha256:" + hex64[:63],
		"sha256:" + hex64 + "0",
		"sha256:" + hex64[:63] + "E",
		"sha256:" + hex64[:63] + "g",
		"sha256:" + hex64 + "\n",
		"sha256:",
		":" + hex64,
		"sha256" + hex64,
		"md5:d41d8cd98f00b204e9800998ecf8427e",
		"blake3:" + hex64,
		"SHA256:" + hex64,
		"sha256:" + hex64 + ":x",
		"",
		"foo+bar:abc",
		"foo_:abc",
	}
	var out []digestVector
	for _, s := range inputs {
		_, err := digest.Parse(s)
		v := digestVector{Digest: s, Valid: err == nil}
		if err != nil {
			v.Error = err.Error()
		}
		out = append(out, v)
	}
	return out
}

func hexOf(b []byte) string { return hex.EncodeToString(b) }

func anyVector(name string, v interface{}, expected interface{}) protoVector {
	a, err := typeurl.MarshalAny(v)
	must(err)
	b, err := proto.Marshal(a)
	must(err)
	return protoVector{Name: name, Hex: hexOf(b), TypeURL: a.TypeUrl, ValueHex: hexOf(a.Value), Expected: expected}
}

func protobufs() []protoVector {
	// containerd 1.6's generated Options stops at field 11; 2.x added
	// task_api_address (12) and task_api_version (13), appended here with
	// protowire exactly as a newer marshaler would write them.
	runc := &options.Options{
		NoPivotRoot:   true,
		NoNewKeyring:  true,
		ShimCgroup:    "/system.slice/shim",
		IoUid:         1000,
		IoGid:         4294967295,
		BinaryName:    "/usr/bin/runc",
		Root:          "/run/containerd/runc",
		CriuPath:      "/usr/sbin/criu",
		SystemdCgroup: true,
		CriuImagePath: "/var/lib/criu/images",
		CriuWorkPath:  "/var/lib/criu/work",
	}
	runcBytes, err := runc.Marshal()
	must(err)
	runcBytes = protowire.AppendTag(runcBytes, 12, protowire.BytesType)
	runcBytes = protowire.AppendString(runcBytes, "/run/containerd/s/abc")
	runcBytes = protowire.AppendTag(runcBytes, 13, protowire.VarintType)
	runcBytes = protowire.AppendVarint(runcBytes, 3)
	runcExpected := map[string]interface{}{
		"no_pivot_root":    true,
		"no_new_keyring":   true,
		"shim_cgroup":      "/system.slice/shim",
		"io_uid":           1000,
		"io_gid":           uint32(4294967295),
		"binary_name":      "/usr/bin/runc",
		"root":             "/run/containerd/runc",
		"criu_path":        "/usr/sbin/criu",
		"systemd_cgroup":   true,
		"criu_image_path":  "/var/lib/criu/images",
		"criu_work_path":   "/var/lib/criu/work",
		"task_api_address": "/run/containerd/s/abc",
		"task_api_version": 3,
	}

	typical := &options.Options{BinaryName: "runc", SystemdCgroup: true}
	typicalBytes, err := typical.Marshal()
	must(err)

	rtOpts := &runtimeoptions_v1.Options{TypeUrl: "io.containerd.runsc.v1.options", ConfigPath: "/etc/containerd/runsc.toml"}
	rtBytes, err := rtOpts.Marshal()
	must(err)
	rtBytes = protowire.AppendTag(rtBytes, 3, protowire.BytesType)
	rtBytes = protowire.AppendBytes(rtBytes, []byte("[runsc_config]\n  debug = \"true\"\n"))

	legacy := &runctypes.RuncOptions{Runtime: "runc", RuntimeRoot: "/run/containerd/runc", CriuPath: "/usr/sbin/criu", SystemdCgroup: true}
	legacyBytes, err := legacy.Marshal()
	must(err)

	spec := &specs.Spec{
		Version:  specs.Version,
		Process:  &specs.Process{Args: []string{"sh", "-c", "echo hi"}, Cwd: "/", Env: []string{"PATH=/usr/bin"}},
		Root:     &specs.Root{Path: "rootfs"},
		Hostname: "demo",
	}
	specJSON, err := json.Marshal(spec)
	must(err)
	var specExpected interface{}
	must(json.Unmarshal(specJSON, &specExpected))

	cri := &criContainerMetadata{Version: "v1"}
	cri.Metadata.ID = "0123abcd"
	cri.Metadata.Name = "api"
	cri.Metadata.SandboxID = "feedbeef"
	cri.Metadata.LogPath = "/var/log/pods/default_api/api/0.log"
	criJSON, err := json.Marshal(cri)
	must(err)
	var criExpected interface{}
	must(json.Unmarshal(criJSON, &criExpected))

	// An Any written by a modern Go protobuf library, with the
	// type.googleapis.com prefix and field order as protobuf-go writes it.
	googleAny := &types.Any{TypeUrl: "type.googleapis.com/containerd.runc.v1.Options", Value: typicalBytes}
	googleAnyBytes, err := googleAny.Marshal()
	must(err)

	return []protoVector{
		{Name: "runc options, every field", Hex: hexOf(runcBytes), Expected: runcExpected},
		{Name: "runc options, typical", Hex: hexOf(typicalBytes), Expected: map[string]interface{}{"binary_name": "runc", "systemd_cgroup": true}},
		{Name: "runtimeoptions", Hex: hexOf(rtBytes), Expected: map[string]interface{}{
			"type_url": rtOpts.TypeUrl, "config_path": rtOpts.ConfigPath,
			"config_body": []byte("[runsc_config]\n  debug = \"true\"\n"), // JSON: base64
		}},
		{Name: "legacy runc options", Hex: hexOf(legacyBytes), Expected: map[string]interface{}{
			"runtime": "runc", "runtime_root": "/run/containerd/runc", "criu_path": "/usr/sbin/criu", "systemd_cgroup": true,
		}},
		{Name: "any: runc options", Hex: hexOf(mustAny(runc, runcBytes)), TypeURL: "containerd.runc.v1.Options", ValueHex: hexOf(runcBytes), Expected: runcExpected},
		anyVector("any: typical runc options", typical, map[string]interface{}{"binary_name": "runc", "systemd_cgroup": true}),
		anyVector("any: runtimeoptions", rtOpts, map[string]interface{}{"type_url": rtOpts.TypeUrl, "config_path": rtOpts.ConfigPath}),
		anyVector("any: legacy runc options", legacy, map[string]interface{}{
			"runtime": "runc", "runtime_root": "/run/containerd/runc", "criu_path": "/usr/sbin/criu", "systemd_cgroup": true,
		}),
		anyVector("any: OCI spec", spec, specExpected),
		anyVector("any: CRI container metadata", cri, criExpected),
		anyVector("any: ctr NetworkMetaData", &networkMetaData{EnableCni: true}, map[string]interface{}{"EnableCni": true}),
		{Name: "any: type.googleapis.com prefix", Hex: hexOf(googleAnyBytes), TypeURL: googleAny.TypeUrl, ValueHex: hexOf(typicalBytes),
			Expected: map[string]interface{}{"binary_name": "runc", "systemd_cgroup": true}},
	}
}

// mustAny wraps already-encoded option bytes in an Any under the URL
// typeurl gives the message (the extra fields 12 and 13 ride along).
func mustAny(v proto.Message, value []byte) []byte {
	url, err := typeurl.TypeURL(v)
	must(err)
	b, err := (&types.Any{TypeUrl: url, Value: value}).Marshal()
	must(err)
	return b
}

// wires builds messages with protowire and records what protowire reads
// back, field by field, or that it refuses the input.
func wires() []wireVector {
	var all []byte
	all = protowire.AppendTag(all, 1, protowire.VarintType)
	all = protowire.AppendVarint(all, 150)
	all = protowire.AppendTag(all, 2, protowire.BytesType)
	all = protowire.AppendString(all, "testing")
	all = protowire.AppendTag(all, 3, protowire.Fixed32Type)
	all = protowire.AppendFixed32(all, math.Float32bits(1.5))
	all = protowire.AppendTag(all, 4, protowire.Fixed64Type)
	all = protowire.AppendFixed64(all, math.Float64bits(-2.25))
	all = protowire.AppendTag(all, 5, protowire.VarintType)
	minusOne := int64(-1)
	all = protowire.AppendVarint(all, uint64(minusOne)) // int64 -1: ten bytes
	all = protowire.AppendTag(all, 6, protowire.VarintType)
	all = protowire.AppendVarint(all, protowire.EncodeZigZag(-3)) // sint64 -3
	all = protowire.AppendTag(all, 7, protowire.StartGroupType)
	all = protowire.AppendTag(all, 1, protowire.VarintType)
	all = protowire.AppendVarint(all, 1)
	all = protowire.AppendTag(all, 8, protowire.StartGroupType) // nested group
	all = protowire.AppendTag(all, 8, protowire.EndGroupType)
	all = protowire.AppendTag(all, 7, protowire.EndGroupType)
	all = protowire.AppendTag(all, protowire.MaxValidNumber, protowire.VarintType)
	all = protowire.AppendVarint(all, math.MaxUint64)
	all = protowire.AppendTag(all, 2, protowire.BytesType)
	all = protowire.AppendBytes(all, nil) // empty, and a repeated number

	var nested []byte
	nested = protowire.AppendTag(nested, 1, protowire.BytesType)
	nested = protowire.AppendString(nested, "inner")
	var outer []byte
	outer = protowire.AppendTag(outer, 3, protowire.BytesType)
	outer = protowire.AppendBytes(outer, nested)

	cases := []struct {
		name string
		data []byte
	}{
		{"every wire type", all},
		{"nested message", outer},
		{"empty message", []byte{}},
		{"truncated varint value", all[:1+1]},
		{"truncated length", []byte{0x12, 0x80}},
		{"length past the end", []byte{0x12, 0x05, 'a', 'b'}},
		{"truncated fixed32", []byte{0x1d, 1, 2, 3}},
		{"truncated fixed64", []byte{0x21, 1, 2, 3, 4, 5, 6, 7}},
		{"field number zero", []byte{0x00, 0x01}},
		{"wire type 6", []byte{0x0e, 0x01}},
		{"wire type 7", []byte{0x0f, 0x01}},
		{"unclosed group", []byte{0x3b, 0x08, 0x01}},
		{"end group without start", []byte{0x3c}},
		{"mismatched end group", []byte{0x3b, 0x44}},
		{"varint of eleven bytes", append([]byte{0x08}, []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}...)},
		{"varint overflowing 64 bits", append([]byte{0x08}, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}...)},
		{"varint padded to ten bytes", append([]byte{0x08}, []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}...)},
		{"field number 2^29", protowire.AppendVarint(nil, uint64(protowire.MaxValidNumber+1)<<3)},
	}
	var out []wireVector
	for _, c := range cases {
		out = append(out, consumeAll(c.name, c.data))
	}
	return out
}

func consumeAll(name string, b []byte) wireVector {
	v := wireVector{Name: name, Hex: hexOf(b), Valid: true}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		// proto.Unmarshal also refuses numbers above MaxValidNumber.
		if n < 0 || num > protowire.MaxValidNumber {
			return wireVector{Name: name, Hex: v.Hex}
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 || typ == protowire.EndGroupType {
			return wireVector{Name: name, Hex: v.Hex}
		}
		body := b[n : n+m]
		f := wireField{Number: int(num), Type: int(typ)}
		switch typ {
		case protowire.VarintType:
			x, _ := protowire.ConsumeVarint(body)
			f.Value = strconv.FormatUint(x, 10)
		case protowire.Fixed32Type:
			x, _ := protowire.ConsumeFixed32(body)
			f.Value = strconv.FormatUint(uint64(x), 10)
		case protowire.Fixed64Type:
			x, _ := protowire.ConsumeFixed64(body)
			f.Value = strconv.FormatUint(x, 10)
		case protowire.BytesType:
			x, _ := protowire.ConsumeBytes(body)
			f.Value = hexOf(x)
		case protowire.StartGroupType:
			x, _ := protowire.ConsumeGroup(num, body)
			f.Value = hexOf(x)
		}
		v.Fields = append(v.Fields, f)
		b = b[n+m:]
	}
	return v
}
