// Command genhuge writes a multi-gigabyte bolt database quickly, with the real
// bbolt library, for boltview's browser benchmark (bench/tui_bench.py).
//
// Most of the file is large values, which bbolt stores in overflow runs, so
// gigabytes cost a few seconds of writing instead of billions of small keys.
// Next to them lie one bucket of many small keys and one of a few:
//
//	blobs/    VALUES keys (8-byte big-endian index), each VALUE-SIZE bytes
//	many/     KEYS keys (8-byte big-endian index), 32-byte values
//	few/      SMALL keys, the same shape
//
// Build (offline, GOPATH mode; Debian's golang-go and golang-github-coreos-bbolt-dev):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o genhuge ./bench/genhuge
//
// Run:
//
//	genhuge -o OUT [-values 8000] [-value-size 1048576] [-keys 1000000] [-small 10]
//
// OUT is written under a temporary name and renamed when complete, so a file
// at OUT is always a whole database.
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

func main() {
	out := flag.String("o", "", "the database to write")
	values := flag.Int("values", 8000, "large values in blobs/")
	valueSize := flag.Int("value-size", 1<<20, "bytes per large value")
	keys := flag.Int("keys", 1000000, "small keys in many/")
	small := flag.Int("small", 10, "small keys in few/")
	flag.Parse()
	if *out == "" || *values < 0 || *valueSize < 8 || *keys < 0 || *small < 0 {
		flag.Usage()
		os.Exit(64)
	}
	tmp := filepath.Join(filepath.Dir(*out), fmt.Sprintf(".%s.tmp-%d", filepath.Base(*out), os.Getpid()))
	_ = os.Remove(tmp)
	if err := write(tmp, *values, *valueSize, *keys, *small); err != nil {
		_ = os.Remove(tmp)
		fmt.Fprintln(os.Stderr, "genhuge:", err)
		os.Exit(1)
	}
	if err := os.Rename(tmp, *out); err != nil {
		fmt.Fprintln(os.Stderr, "genhuge:", err)
		os.Exit(1)
	}
}

func write(path string, values, valueSize, keys, small int) error {
	db, err := bolt.Open(path, 0o644, &bolt.Options{
		PageSize: 4096, NoSync: true, Timeout: 10 * time.Second,
		InitialMmapSize: 1 << 30,
	})
	if err != nil {
		return err
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range []string{"blobs", "few", "many"} {
			if _, err := tx.CreateBucket([]byte(name)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// The small keys first, in batches of one transaction each (appended in order).
	if err := putSmall(db, "many", keys); err != nil {
		return err
	}
	if err := putSmall(db, "few", small); err != nil {
		return err
	}
	// The large values: one pattern, each copy stamped with its index.  bbolt
	// keeps the slice given to Put until the commit, so each value is a copy.
	pattern := make([]byte, valueSize)
	for i := range pattern {
		pattern[i] = byte(i*131 + i>>8)
	}
	const perTx = 64
	for start := 0; start < values; start += perTx {
		err := db.Update(func(tx *bolt.Tx) error {
			b := tx.Bucket([]byte("blobs"))
			b.FillPercent = 1.0
			for i := start; i < start+perTx && i < values; i++ {
				value := append([]byte(nil), pattern...)
				binary.BigEndian.PutUint64(value[:8], uint64(i))
				if err := b.Put(index(i), value); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return db.Sync()
}

func putSmall(db *bolt.DB, name string, count int) error {
	const perTx = 200000
	for start := 0; start < count; start += perTx {
		err := db.Update(func(tx *bolt.Tx) error {
			b := tx.Bucket([]byte(name))
			b.FillPercent = 1.0 // appended in key order, as etcd's revisions
			for i := start; i < start+perTx && i < count; i++ {
				value := make([]byte, 32)
				binary.BigEndian.PutUint64(value, uint64(i)*2654435761)
				if err := b.Put(index(i), value); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func index(i int) []byte {
	key := make([]byte, 8)
	binary.BigEndian.PutUint64(key, uint64(i))
	return key
}
