// Command recover_gen writes a bolt database with the real bbolt over several
// transactions that delete and overwrite known keys and buckets, and a JSON
// history of every write, so that boltview's recovery can be checked against
// the truth: everything it recovers must have been written, and everything it
// calls deleted must have been deleted.
//
//	recover_gen OUT.db OUT.json SEED NOFREELISTSYNC(0|1) [CHURN]
//	recover_gen containerd OUT.db OUT.json
//
// CHURN (default 0) more transactions of random puts, overwrites, deletes and
// bucket creations and deletions follow the scripted ones, so that freed pages
// are reused, freed again and named by stale parents many times over.
//
// The containerd form writes containerd's metadata schema (v1/<ns>/containers/<id>/
// with createdat, updatedat as Go's time.MarshalBinary, a spec Any holding an OCI
// spec whose linux.cgroupsPath is /<ns>/<id>, runtime/, labels/), then updates one
// container and deletes two, as containerd's own code would write them.
//
// Built by tests/test_recover.py (GOPATH mode, Debian's bbolt 1.3.6).
//
// The history (all byte strings standard base64):
//
//	{"puts":           [{"path": [..], "key": "..", "value": "..", "tx": N}],
//	 "buckets":        [{"path": [..], "tx": N}],      every bucket created
//	 "deleted_keys":   [{"path": [..], "key": "..", "tx": N}],
//	 "deleted_buckets":[{"path": [..], "tx": N}]}
package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

type put struct {
	Path  []string `json:"path"`
	Key   string   `json:"key"`
	Value string   `json:"value"`
	Tx    int      `json:"tx"`
}

type bucketEvent struct {
	Path []string `json:"path"`
	Tx   int      `json:"tx"`
}

type keyEvent struct {
	Path []string `json:"path"`
	Key  string   `json:"key"`
	Tx   int      `json:"tx"`
}

type history struct {
	Puts           []put         `json:"puts"`
	Buckets        []bucketEvent `json:"buckets"`
	DeletedKeys    []keyEvent    `json:"deleted_keys"`
	DeletedBuckets []bucketEvent `json:"deleted_buckets"`
}

var (
	h   history
	tx  int
	rng *rand.Rand
)

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func enc(path [][]byte) []string {
	out := make([]string, len(path))
	for i, p := range path {
		out[i] = b64(p)
	}
	return out
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// bucket walks (creating when asked) a bucket path inside a transaction.
func bucket(t *bolt.Tx, create bool, path ...[]byte) *bolt.Bucket {
	var b *bolt.Bucket
	for i, name := range path {
		var next *bolt.Bucket
		if i == 0 {
			next = t.Bucket(name)
		} else {
			next = b.Bucket(name)
		}
		if next == nil {
			if !create {
				panic(fmt.Sprintf("no bucket %q", path[:i+1]))
			}
			var err error
			if i == 0 {
				next, err = t.CreateBucket(name)
			} else {
				next, err = b.CreateBucket(name)
			}
			must(err)
			h.Buckets = append(h.Buckets, bucketEvent{enc(path[:i+1]), tx})
		}
		b = next
	}
	return b
}

// value makes a value that names itself: path, key, version, then random bytes.
func value(path [][]byte, key []byte, version int, size int) []byte {
	v := []byte(fmt.Sprintf("%q/%s/v%d/", path, key, version))
	for len(v) < size {
		v = append(v, byte(rng.Intn(256)))
	}
	return v
}

func set(t *bolt.Tx, path [][]byte, key []byte, version int, size int) {
	v := value(path, key, version, size)
	must(bucket(t, true, path...).Put(key, v))
	h.Puts = append(h.Puts, put{enc(path), b64(key), b64(v), tx})
}

func del(t *bolt.Tx, path [][]byte, key []byte) {
	must(bucket(t, false, path...).Delete(key))
	h.DeletedKeys = append(h.DeletedKeys, keyEvent{enc(path), b64(key), tx})
}

func delBucket(t *bolt.Tx, path [][]byte) {
	var err error
	if len(path) == 1 {
		err = t.DeleteBucket(path[0])
	} else {
		err = bucket(t, false, path[:len(path)-1]...).DeleteBucket(path[len(path)-1])
	}
	must(err)
	h.DeletedBuckets = append(h.DeletedBuckets, bucketEvent{enc(path), tx})
}

func p(names ...string) [][]byte {
	out := make([][]byte, len(names))
	for i, n := range names {
		out[i] = []byte(n)
	}
	return out
}

func k(prefix string, i int) []byte { return []byte(fmt.Sprintf("%s%06d", prefix, i)) }

func update(db *bolt.DB, fn func(t *bolt.Tx)) {
	tx++
	must(db.Update(func(t *bolt.Tx) error { fn(t); return nil }))
}

// anyOf marshals a google.protobuf.Any: field 1 type_url, field 2 value.
func anyOf(typeURL string, value []byte) []byte {
	field := func(number byte, data []byte) []byte {
		out := []byte{number<<3 | 2}
		n := len(data)
		for n >= 0x80 {
			out = append(out, byte(n)|0x80)
			n >>= 7
		}
		return append(append(out, byte(n)), data...)
	}
	return append(field(1, []byte(typeURL)), field(2, value)...)
}

func containerdWorkload(dbPath, historyPath string) {
	os.Remove(dbPath)
	db, err := bolt.Open(dbPath, 0o600, &bolt.Options{PageSize: 4096})
	must(err)
	rng = rand.New(rand.NewSource(7))
	moment := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)
	stamp := func(minutes int) []byte {
		b, err := moment.Add(time.Duration(minutes) * time.Minute).MarshalBinary()
		must(err)
		return b
	}
	putRaw := func(t *bolt.Tx, path [][]byte, key, v []byte) {
		must(bucket(t, true, path...).Put(key, v))
		h.Puts = append(h.Puts, put{enc(path), b64(key), b64(v), tx})
	}
	container := func(t *bolt.Tx, id string, minutes int, app string, specSize int) {
		c := p("v1", "default", "containers", id)
		padding := make([]byte, specSize)
		for i := range padding {
			padding[i] = 'a' + byte(rng.Intn(26))
		}
		spec := fmt.Sprintf(`{"ociVersion":"1.0.2-dev","process":{"args":["/bin/sh","-c","echo %s"],"env":["PAD=%s"]},"linux":{"cgroupsPath":"/default/%s"}}`,
			id, padding, id)
		putRaw(t, c, []byte("createdat"), stamp(0))
		putRaw(t, c, []byte("updatedat"), stamp(minutes))
		putRaw(t, c, []byte("image"), []byte("example.com/app:"+app))
		putRaw(t, c, []byte("snapshotter"), []byte("overlayfs"))
		putRaw(t, c, []byte("snapshotKey"), []byte(id))
		putRaw(t, c, []byte("spec"), anyOf("types.containerd.io/opencontainers/runtime-spec/1/Spec", []byte(spec)))
		putRaw(t, append(c, []byte("runtime")), []byte("name"), []byte("io.containerd.runc.v2"))
		putRaw(t, append(c, []byte("labels")), []byte("app"), []byte(app))
		// A hostile label: a terminal title escape in its key and value.
		putRaw(t, append(c, []byte("labels")), []byte("\x1b]0;owned\x07"), []byte("\x1b[2J"))
	}
	// A filler bucket first, deleted once the containers exist: its pages are the
	// lowest free ones, which bbolt's allocator takes first, so that the pages
	// the later transactions free are left alone (as on a real node, where
	// freed pages outnumber what the next few commits need).
	update(db, func(t *bolt.Tx) {
		for i := 0; i < 400; i++ {
			set(t, p("filler"), k("f", i), 1, 300)
		}
	})
	update(db, func(t *bolt.Tx) {
		putRaw(t, p("v1"), []byte("version"), []byte{6})
		for i := 1; i <= 6; i++ {
			size := 60
			if i <= 3 {
				size = 1500
			}
			container(t, fmt.Sprintf("c%d", i), 0, fmt.Sprintf("app%d", i), size)
		}
		putRaw(t, p("v1", "default", "labels"), []byte("team"), []byte("a"))
	})
	update(db, func(t *bolt.Tx) {
		delBucket(t, p("filler"))
	})
	update(db, func(t *bolt.Tx) {
		c := p("v1", "default", "containers", "c2")
		putRaw(t, c, []byte("updatedat"), stamp(30))
		putRaw(t, append(c, []byte("labels")), []byte("app"), []byte("app2-renamed"))
	})
	update(db, func(t *bolt.Tx) {
		delBucket(t, p("v1", "default", "containers", "c3"))
		delBucket(t, p("v1", "default", "containers", "c5"))
	})
	must(db.Close())
	out, err := json.Marshal(&h)
	must(err)
	must(os.WriteFile(historyPath, out, 0o644))
}

func main() {
	if len(os.Args) == 4 && os.Args[1] == "containerd" {
		containerdWorkload(os.Args[2], os.Args[3])
		return
	}
	if len(os.Args) != 5 && len(os.Args) != 6 {
		fmt.Fprintln(os.Stderr, "usage: recover_gen OUT.db OUT.json SEED NOFREELISTSYNC(0|1) [CHURN]")
		os.Exit(64)
	}
	seed, err := strconv.ParseInt(os.Args[3], 10, 64)
	must(err)
	churn := 0
	if len(os.Args) == 6 {
		churn, err = strconv.Atoi(os.Args[5])
		must(err)
	}
	rng = rand.New(rand.NewSource(seed))
	os.Remove(os.Args[1])
	db, err := bolt.Open(os.Args[1], 0o600, &bolt.Options{
		PageSize: 4096, NoFreelistSync: os.Args[4] == "1",
	})
	must(err)

	data, doomed, sub, tiny := p("data"), p("doomed"), p("doomed", "doomed-sub"), p("doomed", "tiny")
	inline, keep, big := p("doomed-inline"), p("keep"), p("big")
	deep, deeper := p("nested", "a"), p("nested", "a", "b")

	update(db, func(t *bolt.Tx) {
		for i := 0; i < 600; i++ {
			set(t, data, k("k", i), 1, 20+rng.Intn(40))
		}
		for i := 0; i < 200; i++ {
			set(t, doomed, k("d", i), 1, 30)
		}
		for i := 0; i < 100; i++ {
			set(t, sub, k("s", i), 1, 30)
		}
		// A hostile key: terminal escapes must never reach a terminal raw.
		set(t, doomed, []byte("\x1b[31mred\x07"), 1, 20)
		set(t, tiny, []byte("t1"), 1, 10)
		set(t, tiny, []byte("t2"), 1, 10)
		set(t, inline, []byte("a"), 1, 8)
		set(t, inline, []byte("b"), 1, 8)
		set(t, keep, []byte("stays"), 1, 12)
		for i := 0; i < 3; i++ {
			set(t, big, k("b", i), 1, 6000+4000*i)
		}
		for i := 0; i < 120; i++ {
			set(t, deeper, k("x", i), 1, 40)
		}
		set(t, deep, []byte("note"), 1, 16)
	})
	update(db, func(t *bolt.Tx) {
		for i := 0; i < 600; i += 3 {
			del(t, data, k("k", i))
		}
		for i := 1; i < 600; i += 5 {
			set(t, data, k("k", i), 2, 30)
		}
	})
	update(db, func(t *bolt.Tx) {
		delBucket(t, doomed)
		delBucket(t, inline)
		del(t, big, k("b", 1))
	})
	update(db, func(t *bolt.Tx) {
		set(t, keep, []byte("stays"), 2, 12)
		for i := 40; i < 80; i++ {
			del(t, deeper, k("x", i))
		}
		for i := 0; i < 30; i++ {
			set(t, data, k("n", i), 1, 25)
		}
	})
	update(db, func(t *bolt.Tx) {
		delBucket(t, deep)
	})
	// Random churn: buckets that come and go, keys put, overwritten and deleted.
	live := [][][]byte{data, keep, big}
	versions := map[string]int{}
	for n := 0; n < churn; n++ {
		update(db, func(t *bolt.Tx) {
			for op := 0; op < 1+rng.Intn(40); op++ {
				b := live[rng.Intn(len(live))]
				switch r := rng.Intn(100); {
				case r < 5 && len(live) < 12:
					name := append(append([][]byte{}, b...), []byte(fmt.Sprintf("c%d", rng.Intn(1000))))
					if bucket(t, false, b...).Bucket(name[len(name)-1]) == nil {
						bucket(t, true, name...)
						live = append(live, name)
					}
				case r < 8 && len(live) > 3:
					i := 3 + rng.Intn(len(live)-3)
					victim := live[i]
					if bucket(t, false, victim...) != nil {
						delBucket(t, victim)
					}
					kept := live[:0]
					for _, other := range live {
						if len(other) < len(victim) || fmt.Sprint(other[:len(victim)]) != fmt.Sprint(victim) {
							kept = append(kept, other)
						}
					}
					live = kept
				case r < 40:
					c := bucket(t, false, b...).Cursor()
					if key, v := c.Seek(k("k", rng.Intn(700))); key != nil && v != nil {
						del(t, b, append([]byte{}, key...))
					}
				default:
					key := k("k", rng.Intn(700))
					id := fmt.Sprintf("%q/%s", b, key)
					versions[id]++
					if bucket(t, false, b...).Bucket(key) == nil {
						set(t, b, key, 10+versions[id], 10+rng.Intn(120))
					}
				}
			}
		})
	}
	update(db, func(t *bolt.Tx) {
		set(t, keep, []byte("last"), 1, 8)
	})
	must(db.Close())

	out, err := json.Marshal(&h)
	must(err)
	must(os.WriteFile(os.Args[2], out, 0o644))
}
