{"schema_version":3,"namespaces":{"default":{"labels":{
  "purpose": "demo"
},"containers":{
"hello-1":{
  "ID": "hello-1",
  "Labels": {
    "app": "hello",
    "io.containerd.image.config.stop-signal": "SIGTERM"
  },
  "Image": "example.com/demo/hello:v1",
  "Runtime": {
    "Name": "io.containerd.runc.v2",
    "Options": {
      "type_url": "containerd.runc.v1.Options"
    }
  },
  "SnapshotKey": "hello-1",
  "Snapshotter": "overlayfs",
  "CreatedAt": "2026-11-26T22:26:59.17879172Z",
  "UpdatedAt": "2026-11-26T22:26:59.17879172Z",
  "Extensions": null,
  "Spec": {
    "ociVersion": "1.0.2-dev",
    "process": {
      "user": {
        "uid": 0,
        "gid": 0,
        "additionalGids": [
          0
        ]
      },
      "args": [
        "/app/hello.txt"
      ],
      "env": [
        "ARCH=amd64"
      ],
      "cwd": "/",
      "capabilities": {
        "bounding": [
          "CAP_CHOWN",
          "CAP_DAC_OVERRIDE",
          "CAP_FSETID",
          "CAP_FOWNER",
          "CAP_MKNOD",
          "CAP_NET_RAW",
          "CAP_SETGID",
          "CAP_SETUID",
          "CAP_SETFCAP",
          "CAP_SETPCAP",
          "CAP_NET_BIND_SERVICE",
          "CAP_SYS_CHROOT",
          "CAP_KILL",
          "CAP_AUDIT_WRITE"
        ],
        "effective": [
          "CAP_CHOWN",
          "CAP_DAC_OVERRIDE",
          "CAP_FSETID",
          "CAP_FOWNER",
          "CAP_MKNOD",
          "CAP_NET_RAW",
          "CAP_SETGID",
          "CAP_SETUID",
          "CAP_SETFCAP",
          "CAP_SETPCAP",
          "CAP_NET_BIND_SERVICE",
          "CAP_SYS_CHROOT",
          "CAP_KILL",
          "CAP_AUDIT_WRITE"
        ],
        "permitted": [
          "CAP_CHOWN",
          "CAP_DAC_OVERRIDE",
          "CAP_FSETID",
          "CAP_FOWNER",
          "CAP_MKNOD",
          "CAP_NET_RAW",
          "CAP_SETGID",
          "CAP_SETUID",
          "CAP_SETFCAP",
          "CAP_SETPCAP",
          "CAP_NET_BIND_SERVICE",
          "CAP_SYS_CHROOT",
          "CAP_KILL",
          "CAP_AUDIT_WRITE"
        ]
      },
      "rlimits": [
        {
          "type": "RLIMIT_NOFILE",
          "hard": 1024,
          "soft": 1024
        }
      ],
      "noNewPrivileges": true
    },
    "root": {
      "path": "rootfs"
    },
    "mounts": [
      {
        "destination": "/proc",
        "type": "proc",
        "source": "proc",
        "options": [
          "nosuid",
          "noexec",
          "nodev"
        ]
      },
      {
        "destination": "/dev",
        "type": "tmpfs",
        "source": "tmpfs",
        "options": [
          "nosuid",
          "strictatime",
          "mode=755",
          "size=65536k"
        ]
      },
      {
        "destination": "/dev/pts",
        "type": "devpts",
        "source": "devpts",
        "options": [
          "nosuid",
          "noexec",
          "newinstance",
          "ptmxmode=0666",
          "mode=0620",
          "gid=5"
        ]
      },
      {
        "destination": "/dev/shm",
        "type": "tmpfs",
        "source": "shm",
        "options": [
          "nosuid",
          "noexec",
          "nodev",
          "mode=1777",
          "size=65536k"
        ]
      },
      {
        "destination": "/dev/mqueue",
        "type": "mqueue",
        "source": "mqueue",
        "options": [
          "nosuid",
          "noexec",
          "nodev"
        ]
      },
      {
        "destination": "/sys",
        "type": "sysfs",
        "source": "sysfs",
        "options": [
          "nosuid",
          "noexec",
          "nodev",
          "ro"
        ]
      },
      {
        "destination": "/run",
        "type": "tmpfs",
        "source": "tmpfs",
        "options": [
          "nosuid",
          "strictatime",
          "mode=755",
          "size=65536k"
        ]
      }
    ],
    "annotations": {
      "app": "hello"
    },
    "linux": {
      "resources": {
        "devices": [
          {
            "allow": false,
            "access": "rwm"
          },
          {
            "allow": true,
            "type": "c",
            "major": 1,
            "minor": 3,
            "access": "rwm"
          },
          {
            "allow": true,
            "type": "c",
            "major": 1,
            "minor": 8,
            "access": "rwm"
          },
          {
            "allow": true,
            "type": "c",
            "major": 1,
            "minor": 7,
            "access": "rwm"
          },
          {
            "allow": true,
            "type": "c",
            "major": 5,
            "minor": 0,
            "access": "rwm"
          },
          {
            "allow": true,
            "type": "c",
            "major": 1,
            "minor": 5,
            "access": "rwm"
          },
          {
            "allow": true,
            "type": "c",
            "major": 1,
            "minor": 9,
            "access": "rwm"
          },
          {
            "allow": true,
            "type": "c",
            "major": 5,
            "minor": 1,
            "access": "rwm"
          },
          {
            "allow": true,
            "type": "c",
            "major": 136,
            "access": "rwm"
          },
          {
            "allow": true,
            "type": "c",
            "major": 5,
            "minor": 2,
            "access": "rwm"
          }
        ]
      },
      "cgroupsPath": "/default/hello-1",
      "namespaces": [
        {
          "type": "pid"
        },
        {
          "type": "ipc"
        },
        {
          "type": "uts"
        },
        {
          "type": "mount"
        },
        {
          "type": "network"
        }
      ],
      "maskedPaths": [
        "/proc/acpi",
        "/proc/asound",
        "/proc/kcore",
        "/proc/keys",
        "/proc/latency_stats",
        "/proc/timer_list",
        "/proc/timer_stats",
        "/proc/sched_debug",
        "/sys/firmware",
        "/proc/scsi"
      ],
      "readonlyPaths": [
        "/proc/bus",
        "/proc/fs",
        "/proc/irq",
        "/proc/sys",
        "/proc/sysrq-trigger"
      ]
    }
  },
  "boltview": {
    "path": [
      "v1",
      "default",
      "containers",
      "hello-1"
    ],
    "spec": {
      "type_url": "types.containerd.io/opencontainers/runtime-spec/1/Spec",
      "decoded_as": "json"
    },
    "runtime_options": {
      "type_url": "containerd.runc.v1.Options",
      "decoded_as": "protobuf:containerd.runc.v1.Options",
      "decoded": {}
    },
    "links": {
      "image": "example.com/demo/hello:v1",
      "snapshot": {
        "snapshotter": "overlayfs",
        "key": "hello-1"
      }
    }
  }
},
"legacy-1":{
  "ID": "legacy-1",
  "Labels": {
    "app": "legacy",
    "io.containerd.image.config.stop-signal": "SIGTERM",
    "org.example.release": "stable",
    "org.opencontainers.image.title": "busybox-fixture",
    "team": "platform"
  },
  "Image": "example.com/tools/busybox:1.35",
  "Runtime": {
    "Name": "io.containerd.runc.v1",
    "Options": {
      "type_url": "runtimeoptions.v1.Options",
      "value": "EiAvZXRjL2NvbnRhaW5lcmQvcnVuYy1sZWdhY3kudG9tbA=="
    }
  },
  "SnapshotKey": "legacy-1",
  "Snapshotter": "overlayfs",
  "CreatedAt": "2026-11-26T22:26:59.140177487Z",
  "UpdatedAt": "2026-11-26T22:26:59.140177487Z",
  "Extensions": null,
  "Spec": {
    "ociVersion": "1.0.2-dev",
    "process": {
      "user": {
        "uid": 0,
        "gid": 0,
        "additionalGids": [
          0
        ]
      },
      "args": [
        "/bin/true"
      ],
      "env": [
        "PATH=/bin"
      ],
      "cwd": "/",
      "capabilities": {
        "bounding": [
          "CAP_CHOWN",
          "CAP_DAC_OVERRIDE",
          "CAP_FSETID",
          "CAP_FOWNER",
          "CAP_MKNOD",
          "CAP_NET_RAW",
          "CAP_SETGID",
          "CAP_SETUID",
          "CAP_SETFCAP",
          "CAP_SETPCAP",
          "CAP_NET_BIND_SERVICE",
          "CAP_SYS_CHROOT",
          "CAP_KILL",
          "CAP_AUDIT_WRITE"
        ],
        "effective": [
          "CAP_CHOWN",
          "CAP_DAC_OVERRIDE",
          "CAP_FSETID",
          "CAP_FOWNER",
          "CAP_MKNOD",
          "CAP_NET_RAW",
          "CAP_SETGID",
          "CAP_SETUID",
          "CAP_SETFCAP",
          "CAP_SETPCAP",
          "CAP_NET_BIND_SERVICE",
          "CAP_SYS_CHROOT",
          "CAP_KILL",
          "CAP_AUDIT_WRITE"
        ],
        "permitted": [
          "CAP_CHOWN",
          "CAP_DAC_OVERRIDE",
          "CAP_FSETID",
          "CAP_FOWNER",
          "CAP_MKNOD",
          "CAP_NET_RAW",
          "CAP_SETGID",
          "CAP_SETUID",
          "CAP_SETFCAP",
          "CAP_SETPCAP",
          "CAP_NET_BIND_SERVICE",
          "CAP_SYS_CHROOT",
          "CAP_KILL",
          "CAP_AUDIT_WRITE"
        ]
      },
      "rlimits": [
        {
          "type": "RLIMIT_NOFILE",
          "hard": 1024,
          "soft": 1024
        }
      ],
      "noNewPrivileges": true
    },
    "root": {
      "path": "rootfs"
    },
    "mounts": [
      {
        "destination": "/proc",
        "type": "proc",
        "source": "proc",
        "options": [
          "nosuid",
          "noexec",
          "nodev"
        ]
      },
      {
        "destination": "/dev",
        "type": "tmpfs",
        "source": "tmpfs",
        "options": [
          "nosuid",
          "strictatime",
          "mode=755",
          "size=65536k"
        ]
      },
      {
        "destination": "/dev/pts",
        "type": "devpts",
        "source": "devpts",
        "options": [
          "nosuid",
          "noexec",
          "newinstance",
          "ptmxmode=0666",
          "mode=0620",
          "gid=5"
        ]
      },
      {
        "destination": "/dev/shm",
        "type": "tmpfs",
        "source": "shm",
        "options": [
          "nosuid",
          "noexec",
          "nodev",
          "mode=1777",
          "size=65536k"
        ]
      },
      {
        "destination": "/dev/mqueue",
        "type": "mqueue",
        "source": "mqueue",
        "options": [
          "nosuid",
          "noexec",
          "nodev"
        ]
      },
      {
        "destination": "/sys",
        "type": "sysfs",
        "source": "sysfs",
        "options": [
          "nosuid",
          "noexec",
          "nodev",
          "ro"
        ]
      },
      {
        "destination": "/run",
        "type": "tmpfs",
        "source": "tmpfs",
        "options": [
          "nosuid",
          "strictatime",
          "mode=755",
          "size=65536k"
        ]
      }
    ],
    "annotations": {
      "app": "legacy"
    },
    "linux": {
      "resources": {
        "devices": [
          {
            "allow": false,
            "access": "rwm"
          },
          {
            "allow": true,
            "type": "c",
            "major": 1,
            "minor": 3,
            "access": "rwm"
          },
          {
            "allow": true,
            "type": "c",
            "major": 1,
            "minor": 8,
            "access": "rwm"
          },
          {
            "allow": true,
            "type": "c",
            "major": 1,
            "minor": 7,
            "access": "rwm"
          },
          {
            "allow": true,
            "type": "c",
            "major": 5,
            "minor": 0,
            "access": "rwm"
          },
          {
            "allow": true,
            "type": "c",
            "major": 1,
            "minor": 5,
            "access": "rwm"
          },
          {
            "allow": true,
            "type": "c",
            "major": 1,
            "minor": 9,
            "access": "rwm"
          },
          {
            "allow": true,
            "type": "c",
            "major": 5,
            "minor": 1,
            "access": "rwm"
          },
          {
            "allow": true,
            "type": "c",
            "major": 136,
            "access": "rwm"
          },
          {
            "allow": true,
            "type": "c",
            "major": 5,
            "minor": 2,
            "access": "rwm"
          }
        ]
      },
      "cgroupsPath": "/default/legacy-1",
      "namespaces": [
        {
          "type": "pid"
        },
        {
          "type": "ipc"
        },
        {
          "type": "uts"
        },
        {
          "type": "mount"
        },
        {
          "type": "network"
        }
      ],
      "maskedPaths": [
        "/proc/acpi",
        "/proc/asound",
        "/proc/kcore",
        "/proc/keys",
        "/proc/latency_stats",
        "/proc/timer_list",
        "/proc/timer_stats",
        "/proc/sched_debug",
        "/sys/firmware",
        "/proc/scsi"
      ],
      "readonlyPaths": [
        "/proc/bus",
        "/proc/fs",
        "/proc/irq",
        "/proc/sys",
        "/proc/sysrq-trigger"
      ]
    }
  },
  "boltview": {
    "path": [
      "v1",
      "default",
      "containers",
      "legacy-1"
    ],
    "spec": {
      "type_url": "types.containerd.io/opencontainers/runtime-spec/1/Spec",
      "decoded_as": "json"
    },
    "runtime_options": {
      "type_url": "runtimeoptions.v1.Options",
      "decoded_as": "protobuf:runtimeoptions.v1.Options",
      "decoded": {
        "config_path": "/etc/containerd/runc-legacy.toml"
      }
    },
    "links": {
      "image": "example.com/tools/busybox:1.35",
      "snapshot": {
        "snapshotter": "overlayfs",
        "key": "legacy-1"
      }
    }
  }
},
"web-1":{
  "ID": "web-1",
  "Labels": {
    "app": "web",
    "io.containerd.image.config.stop-signal": "SIGTERM",
    "org.example.release": "stable",
    "org.opencontainers.image.title": "busybox-fixture",
    "team": "platform",
    "tier": "frontend"
  },
  "Image": "example.com/tools/busybox:1.35",
  "Runtime": {
    "Name": "io.containerd.runc.v2",
    "Options": {
      "type_url": "containerd.runc.v1.Options",
      "value": "Mg4vdXNyL3NiaW4vcnVuYw=="
    }
  },
  "SnapshotKey": "web-1",
  "Snapshotter": "overlayfs",
  "CreatedAt": "2026-11-26T22:26:59.023689858Z",
  "UpdatedAt": "2026-11-26T22:26:59.023689858Z",
  "Extensions": null,
  "Spec": {
    "ociVersion": "1.0.2-dev",
    "process": {
      "user": {
        "uid": 0,
        "gid": 0,
        "additionalGids": [
          0
        ]
      },
      "args": [
        "/bin/sleep",
        "3600"
      ],
      "env": [
        "PATH=/bin"
      ],
      "cwd": "/",
      "capabilities": {
        "bounding": [
          "CAP_CHOWN",
          "CAP_DAC_OVERRIDE",
          "CAP_FSETID",
          "CAP_FOWNER",
          "CAP_MKNOD",
          "CAP_NET_RAW",
          "CAP_SETGID",
          "CAP_SETUID",
          "CAP_SETFCAP",
          "CAP_SETPCAP",
          "CAP_NET_BIND_SERVICE",
          "CAP_SYS_CHROOT",
          "CAP_KILL",
          "CAP_AUDIT_WRITE"
        ],
        "effective": [
          "CAP_CHOWN",
          "CAP_DAC_OVERRIDE",
          "CAP_FSETID",
          "CAP_FOWNER",
          "CAP_MKNOD",
          "CAP_NET_RAW",
          "CAP_SETGID",
          "CAP_SETUID",
          "CAP_SETFCAP",
          "CAP_SETPCAP",
          "CAP_NET_BIND_SERVICE",
          "CAP_SYS_CHROOT",
          "CAP_KILL",
          "CAP_AUDIT_WRITE"
        ],
        "permitted": [
          "CAP_CHOWN",
          "CAP_DAC_OVERRIDE",
          "CAP_FSETID",
          "CAP_FOWNER",
          "CAP_MKNOD",
          "CAP_NET_RAW",
          "CAP_SETGID",
          "CAP_SETUID",
          "CAP_SETFCAP",
          "CAP_SETPCAP",
          "CAP_NET_BIND_SERVICE",
          "CAP_SYS_CHROOT",
          "CAP_KILL",
          "CAP_AUDIT_WRITE"
        ]
      },
      "rlimits": [
        {
          "type": "RLIMIT_NOFILE",
          "hard": 1024,
          "soft": 1024
        }
      ],
      "noNewPrivileges": true
    },
    "root": {
      "path": "rootfs"
    },
    "mounts": [
      {
        "destination": "/proc",
        "type": "proc",
        "source": "proc",
        "options": [
          "nosuid",
          "noexec",
          "nodev"
        ]
      },
      {
        "destination": "/dev",
        "type": "tmpfs",
        "source": "tmpfs",
        "options": [
          "nosuid",
          "strictatime",
          "mode=755",
          "size=65536k"
        ]
      },
      {
        "destination": "/dev/pts",
        "type": "devpts",
        "source": "devpts",
        "options": [
          "nosuid",
          "noexec",
          "newinstance",
          "ptmxmode=0666",
          "mode=0620",
          "gid=5"
        ]
      },
      {
        "destination": "/dev/shm",
        "type": "tmpfs",
        "source": "shm",
        "options": [
          "nosuid",
          "noexec",
          "nodev",
          "mode=1777",
          "size=65536k"
        ]
      },
      {
        "destination": "/dev/mqueue",
        "type": "mqueue",
        "source": "mqueue",
        "options": [
          "nosuid",
          "noexec",
          "nodev"
        ]
      },
      {
        "destination": "/sys",
        "type": "sysfs",
        "source": "sysfs",
        "options": [
          "nosuid",
          "noexec",
          "nodev",
          "ro"
        ]
      },
      {
        "destination": "/run",
        "type": "tmpfs",
        "source": "tmpfs",
        "options": [
          "nosuid",
          "strictatime",
          "mode=755",
          "size=65536k"
        ]
      }
    ],
    "annotations": {
      "app": "web",
      "tier": "frontend"
    },
    "linux": {
      "resources": {
        "devices": [
          {
            "allow": false,
            "access": "rwm"
          },
          {
            "allow": true,
            "type": "c",
            "major": 1,
            "minor": 3,
            "access": "rwm"
          },
          {
            "allow": true,
            "type": "c",
            "major": 1,
            "minor": 8,
            "access": "rwm"
          },
          {
            "allow": true,
            "type": "c",
            "major": 1,
            "minor": 7,
            "access": "rwm"
          },
          {
            "allow": true,
            "type": "c",
            "major": 5,
            "minor": 0,
            "access": "rwm"
          },
          {
            "allow": true,
            "type": "c",
            "major": 1,
            "minor": 5,
            "access": "rwm"
          },
          {
            "allow": true,
            "type": "c",
            "major": 1,
            "minor": 9,
            "access": "rwm"
          },
          {
            "allow": true,
            "type": "c",
            "major": 5,
            "minor": 1,
            "access": "rwm"
          },
          {
            "allow": true,
            "type": "c",
            "major": 136,
            "access": "rwm"
          },
          {
            "allow": true,
            "type": "c",
            "major": 5,
            "minor": 2,
            "access": "rwm"
          }
        ],
        "cpu": {
          "shares": 1024
        }
      },
      "cgroupsPath": "/default/web-1",
      "namespaces": [
        {
          "type": "pid"
        },
        {
          "type": "ipc"
        },
        {
          "type": "uts"
        },
        {
          "type": "mount"
        },
        {
          "type": "network"
        }
      ],
      "maskedPaths": [
        "/proc/acpi",
        "/proc/asound",
        "/proc/kcore",
        "/proc/keys",
        "/proc/latency_stats",
        "/proc/timer_list",
        "/proc/timer_stats",
        "/proc/sched_debug",
        "/sys/firmware",
        "/proc/scsi"
      ],
      "readonlyPaths": [
        "/proc/bus",
        "/proc/fs",
        "/proc/irq",
        "/proc/sys",
        "/proc/sysrq-trigger"
      ]
    }
  },
  "boltview": {
    "path": [
      "v1",
      "default",
      "containers",
      "web-1"
    ],
    "spec": {
      "type_url": "types.containerd.io/opencontainers/runtime-spec/1/Spec",
      "decoded_as": "json"
    },
    "runtime_options": {
      "type_url": "containerd.runc.v1.Options",
      "decoded_as": "protobuf:containerd.runc.v1.Options",
      "decoded": {
        "binary_name": "/usr/sbin/runc"
      }
    },
    "links": {
      "image": "example.com/tools/busybox:1.35",
      "snapshot": {
        "snapshotter": "overlayfs",
        "key": "web-1"
      }
    }
  }
},
"worker-1":{
  "ID": "worker-1",
  "Labels": {
    "app": "worker",
    "io.containerd.image.config.stop-signal": "SIGTERM",
    "org.opencontainers.image.title": "busybox-fixture"
  },
  "Image": "example.com/tools/busybox:latest",
  "Runtime": {
    "Name": "io.containerd.runc.v2",
    "Options": {
      "type_url": "containerd.runc.v1.Options"
    }
  },
  "SnapshotKey": "worker-1",
  "Snapshotter": "overlayfs",
  "CreatedAt": "2026-11-26T22:26:59.110677607Z",
  "UpdatedAt": "2026-11-26T22:26:59.110677607Z",
  "Extensions": null,
  "Spec": {
    "ociVersion": "1.0.2-dev",
    "process": {
      "user": {
        "uid": 0,
        "gid": 0,
        "additionalGids": [
          0
        ]
      },
      "args": [
        "/bin/sh",
        "-c",
        "echo hi"
      ],
      "env": [
        "PATH=/bin",
        "FOO=bar"
      ],
      "cwd": "/",
      "capabilities": {
        "bounding": [
          "CAP_CHOWN",
          "CAP_DAC_OVERRIDE",
          "CAP_FSETID",
          "CAP_FOWNER",
          "CAP_MKNOD",
          "CAP_NET_RAW",
          "CAP_SETGID",
          "CAP_SETUID",
          "CAP_SETFCAP",
          "CAP_SETPCAP",
          "CAP_NET_BIND_SERVICE",
          "CAP_SYS_CHROOT",
          "CAP_KILL",
          "CAP_AUDIT_WRITE"
        ],
        "effective": [
          "CAP_CHOWN",
          "CAP_DAC_OVERRIDE",
          "CAP_FSETID",
          "CAP_FOWNER",
          "CAP_MKNOD",
          "CAP_NET_RAW",
          "CAP_SETGID",
          "CAP_SETUID",
          "CAP_SETFCAP",
          "CAP_SETPCAP",
          "CAP_NET_BIND_SERVICE",
          "CAP_SYS_CHROOT",
          "CAP_KILL",
          "CAP_AUDIT_WRITE"
        ],
        "permitted": [
          "CAP_CHOWN",
          "CAP_DAC_OVERRIDE",
          "CAP_FSETID",
          "CAP_FOWNER",
          "CAP_MKNOD",
          "CAP_NET_RAW",
          "CAP_SETGID",
          "CAP_SETUID",
          "CAP_SETFCAP",
          "CAP_SETPCAP",
          "CAP_NET_BIND_SERVICE",
          "CAP_SYS_CHROOT",
          "CAP_KILL",
          "CAP_AUDIT_WRITE"
        ]
      },
      "rlimits": [
        {
          "type": "RLIMIT_NOFILE",
          "hard": 1024,
          "soft": 1024
        }
      ],
      "noNewPrivileges": true
    },
    "root": {
      "path": "rootfs"
    },
    "mounts": [
      {
        "destination": "/proc",
        "type": "proc",
        "source": "proc",
        "options": [
          "nosuid",
          "noexec",
          "nodev"
        ]
      },
      {
        "destination": "/dev",
        "type": "tmpfs",
        "source": "tmpfs",
        "options": [
          "nosuid",
          "strictatime",
          "mode=755",
          "size=65536k"
        ]
      },
      {
        "destination": "/dev/pts",
        "type": "devpts",
        "source": "devpts",
        "options": [
          "nosuid",
          "noexec",
          "newinstance",
          "ptmxmode=0666",
          "mode=0620",
          "gid=5"
        ]
      },
      {
        "destination": "/dev/shm",
        "type": "tmpfs",
        "source": "shm",
        "options": [
          "nosuid",
          "noexec",
          "nodev",
          "mode=1777",
          "size=65536k"
        ]
      },
      {
        "destination": "/dev/mqueue",
        "type": "mqueue",
        "source": "mqueue",
        "options": [
          "nosuid",
          "noexec",
          "nodev"
        ]
      },
      {
        "destination": "/sys",
        "type": "sysfs",
        "source": "sysfs",
        "options": [
          "nosuid",
          "noexec",
          "nodev",
          "ro"
        ]
      },
      {
        "destination": "/run",
        "type": "tmpfs",
        "source": "tmpfs",
        "options": [
          "nosuid",
          "strictatime",
          "mode=755",
          "size=65536k"
        ]
      }
    ],
    "annotations": {
      "app": "worker"
    },
    "linux": {
      "resources": {
        "devices": [
          {
            "allow": false,
            "access": "rwm"
          },
          {
            "allow": true,
            "type": "c",
            "major": 1,
            "minor": 3,
            "access": "rwm"
          },
          {
            "allow": true,
            "type": "c",
            "major": 1,
            "minor": 8,
            "access": "rwm"
          },
          {
            "allow": true,
            "type": "c",
            "major": 1,
            "minor": 7,
            "access": "rwm"
          },
          {
            "allow": true,
            "type": "c",
            "major": 5,
            "minor": 0,
            "access": "rwm"
          },
          {
            "allow": true,
            "type": "c",
            "major": 1,
            "minor": 5,
            "access": "rwm"
          },
          {
            "allow": true,
            "type": "c",
            "major": 1,
            "minor": 9,
            "access": "rwm"
          },
          {
            "allow": true,
            "type": "c",
            "major": 5,
            "minor": 1,
            "access": "rwm"
          },
          {
            "allow": true,
            "type": "c",
            "major": 136,
            "access": "rwm"
          },
          {
            "allow": true,
            "type": "c",
            "major": 5,
            "minor": 2,
            "access": "rwm"
          }
        ]
      },
      "cgroupsPath": "/default/worker-1",
      "namespaces": [
        {
          "type": "pid"
        },
        {
          "type": "ipc"
        },
        {
          "type": "uts"
        },
        {
          "type": "mount"
        },
        {
          "type": "network"
        }
      ],
      "maskedPaths": [
        "/proc/acpi",
        "/proc/asound",
        "/proc/kcore",
        "/proc/keys",
        "/proc/latency_stats",
        "/proc/timer_list",
        "/proc/timer_stats",
        "/proc/sched_debug",
        "/sys/firmware",
        "/proc/scsi"
      ],
      "readonlyPaths": [
        "/proc/bus",
        "/proc/fs",
        "/proc/irq",
        "/proc/sys",
        "/proc/sysrq-trigger"
      ]
    }
  },
  "boltview": {
    "path": [
      "v1",
      "default",
      "containers",
      "worker-1"
    ],
    "spec": {
      "type_url": "types.containerd.io/opencontainers/runtime-spec/1/Spec",
      "decoded_as": "json"
    },
    "runtime_options": {
      "type_url": "containerd.runc.v1.Options",
      "decoded_as": "protobuf:containerd.runc.v1.Options",
      "decoded": {}
    },
    "links": {
      "image": "example.com/tools/busybox:latest",
      "snapshot": {
        "snapshotter": "overlayfs",
        "key": "worker-1"
      }
    }
  }
}
},"images":{
"example.com/demo/hello:v1":{
  "Name": "example.com/demo/hello:v1",
  "Labels": null,
  "Target": {
    "mediaType": "application/vnd.oci.image.index.v1+json",
    "digest": "sha256:3a86da54ba5a75a02c36a5828877d252ba96afcf6515738576e33f316063d469",
    "size": 491,
    "annotations": {
      "io.containerd.image.name": "example.com/demo/hello:v1",
      "org.opencontainers.image.ref.name": "v1"
    }
  },
  "CreatedAt": "2026-11-26T22:26:58.966418868Z",
  "UpdatedAt": "2026-11-26T22:26:58.966418868Z",
  "boltview": {
    "path": [
      "v1",
      "default",
      "images",
      "example.com/demo/hello:v1"
    ],
    "links": {
      "content": "sha256:3a86da54ba5a75a02c36a5828877d252ba96afcf6515738576e33f316063d469"
    }
  }
},
"example.com/tools/busybox:1.35":{
  "Name": "example.com/tools/busybox:1.35",
  "Labels": {
    "org.example.release": "stable",
    "team": "platform"
  },
  "Target": {
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "digest": "sha256:8e7117b3124febab189ec912ae288770258b7692024d7901929095ed934f45a3",
    "size": 556,
    "annotations": {
      "io.containerd.image.name": "example.com/tools/busybox:1.35",
      "org.opencontainers.image.ref.name": "1.35"
    }
  },
  "CreatedAt": "2026-11-26T22:26:58.890375901Z",
  "UpdatedAt": "2026-11-26T22:26:58.993808245Z",
  "boltview": {
    "path": [
      "v1",
      "default",
      "images",
      "example.com/tools/busybox:1.35"
    ],
    "links": {
      "content": "sha256:8e7117b3124febab189ec912ae288770258b7692024d7901929095ed934f45a3"
    }
  }
},
"example.com/tools/busybox:latest":{
  "Name": "example.com/tools/busybox:latest",
  "Labels": null,
  "Target": {
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "digest": "sha256:8e7117b3124febab189ec912ae288770258b7692024d7901929095ed934f45a3",
    "size": 556,
    "annotations": {
      "io.containerd.image.name": "example.com/tools/busybox:1.35",
      "org.opencontainers.image.ref.name": "1.35"
    }
  },
  "CreatedAt": "2026-11-26T22:26:58.985584694Z",
  "UpdatedAt": "2026-11-26T22:26:58.985584694Z",
  "boltview": {
    "path": [
      "v1",
      "default",
      "images",
      "example.com/tools/busybox:latest"
    ],
    "links": {
      "content": "sha256:8e7117b3124febab189ec912ae288770258b7692024d7901929095ed934f45a3"
    }
  }
}
},"snapshots":{"overlayfs":{
"build-committed":{
  "Kind": "Committed",
  "Name": "build-committed",
  "Parent": "sha256:01e76c1cc2fe3c8517323371613d2079553acbfbb4f129514ad4e683100a742d",
  "Labels": {
    "containerd.io/gc.root": "keep",
    "org.example.build": "42"
  },
  "Created": "2026-11-26T22:26:59.550077599Z",
  "Updated": "2026-11-26T22:26:59.558687173Z",
  "boltview": {
    "path": [
      "v1",
      "default",
      "snapshots",
      "overlayfs",
      "build-committed"
    ],
    "snapshotter": "overlayfs",
    "backend_name": "default/17/build-committed",
    "kind_source": "inferred",
    "children": [
      "build-step2"
    ]
  }
},
"build-step2":{
  "Kind": null,
  "Name": "build-step2",
  "Parent": "build-committed",
  "Labels": {
    "containerd.io/gc.root": "2026-11-26T22:26:59Z"
  },
  "Created": "2026-11-26T22:26:59.569598204Z",
  "Updated": "2026-11-26T22:26:59.569598204Z",
  "boltview": {
    "path": [
      "v1",
      "default",
      "snapshots",
      "overlayfs",
      "build-step2"
    ],
    "snapshotter": "overlayfs",
    "backend_name": "default/18/build-step2",
    "kind_source": "unknown",
    "children": []
  }
},
"hello-1":{
  "Kind": null,
  "Name": "hello-1",
  "Parent": "sha256:fc85475bfec1450da63e015e007caab1583e15440bf16fb73b55d6bf55238c9a",
  "Labels": {
    "org.example.purpose": "demo"
  },
  "Created": "2026-11-26T22:26:59.171633093Z",
  "Updated": "2026-11-26T22:26:59.171633093Z",
  "boltview": {
    "path": [
      "v1",
      "default",
      "snapshots",
      "overlayfs",
      "hello-1"
    ],
    "snapshotter": "overlayfs",
    "backend_name": "default/10/hello-1",
    "kind_source": "unknown",
    "children": []
  }
},
"late-1":{
  "Kind": null,
  "Name": "late-1",
  "Parent": "sha256:01e76c1cc2fe3c8517323371613d2079553acbfbb4f129514ad4e683100a742d",
  "Created": "2026-11-26T22:26:59.437789679Z",
  "Updated": "2026-11-26T22:26:59.437789679Z",
  "boltview": {
    "path": [
      "v1",
      "default",
      "snapshots",
      "overlayfs",
      "late-1"
    ],
    "snapshotter": "overlayfs",
    "backend_name": "default/13/late-1",
    "kind_source": "unknown",
    "children": []
  }
},
"legacy-1":{
  "Kind": null,
  "Name": "legacy-1",
  "Parent": "sha256:01e76c1cc2fe3c8517323371613d2079553acbfbb4f129514ad4e683100a742d",
  "Created": "2026-11-26T22:26:59.131475148Z",
  "Updated": "2026-11-26T22:26:59.131475148Z",
  "boltview": {
    "path": [
      "v1",
      "default",
      "snapshots",
      "overlayfs",
      "legacy-1"
    ],
    "snapshotter": "overlayfs",
    "backend_name": "default/9/legacy-1",
    "kind_source": "unknown",
    "children": []
  }
},
"ro-view":{
  "Kind": null,
  "Name": "ro-view",
  "Parent": "sha256:01e76c1cc2fe3c8517323371613d2079553acbfbb4f129514ad4e683100a742d",
  "Labels": {
    "org.example.view": "true",
    "purpose": "inspection"
  },
  "Created": "2026-11-26T22:26:59.506315931Z",
  "Updated": "2026-11-26T22:26:59.515549638Z",
  "boltview": {
    "path": [
      "v1",
      "default",
      "snapshots",
      "overlayfs",
      "ro-view"
    ],
    "snapshotter": "overlayfs",
    "backend_name": "default/15/ro-view",
    "kind_source": "unknown",
    "children": []
  }
},
"scratch-rw":{
  "Kind": null,
  "Name": "scratch-rw",
  "Parent": "sha256:01e76c1cc2fe3c8517323371613d2079553acbfbb4f129514ad4e683100a742d",
  "Labels": {
    "containerd.io/gc.root": "2026-11-26T22:26:59Z",
    "purpose": "scratch"
  },
  "Created": "2026-11-26T22:26:59.491258792Z",
  "Updated": "2026-11-26T22:26:59.499031989Z",
  "boltview": {
    "path": [
      "v1",
      "default",
      "snapshots",
      "overlayfs",
      "scratch-rw"
    ],
    "snapshotter": "overlayfs",
    "backend_name": "default/14/scratch-rw",
    "kind_source": "unknown",
    "children": []
  }
},
"sha256:01e76c1cc2fe3c8517323371613d2079553acbfbb4f129514ad4e683100a742d":{
  "Kind": "Committed",
  "Name": "sha256:01e76c1cc2fe3c8517323371613d2079553acbfbb4f129514ad4e683100a742d",
  "Parent": "sha256:8306d7796a13373c5acc2717d9e97688f07737b760e50bb0171ae3765de77f33",
  "Created": "2026-11-26T22:26:58.92188879Z",
  "Updated": "2026-11-26T22:26:58.92188879Z",
  "boltview": {
    "path": [
      "v1",
      "default",
      "snapshots",
      "overlayfs",
      "sha256:01e76c1cc2fe3c8517323371613d2079553acbfbb4f129514ad4e683100a742d"
    ],
    "snapshotter": "overlayfs",
    "backend_name": "default/4/sha256:01e76c1cc2fe3c8517323371613d2079553acbfbb4f129514ad4e683100a742d",
    "kind_source": "inferred",
    "children": [
      "build-committed",
      "late-1",
      "legacy-1",
      "ro-view",
      "scratch-rw",
      "web-1",
      "worker-1"
    ]
  }
},
"sha256:8306d7796a13373c5acc2717d9e97688f07737b760e50bb0171ae3765de77f33":{
  "Kind": "Committed",
  "Name": "sha256:8306d7796a13373c5acc2717d9e97688f07737b760e50bb0171ae3765de77f33",
  "Created": "2026-11-26T22:26:58.917964792Z",
  "Updated": "2026-11-26T22:26:58.917964792Z",
  "boltview": {
    "path": [
      "v1",
      "default",
      "snapshots",
      "overlayfs",
      "sha256:8306d7796a13373c5acc2717d9e97688f07737b760e50bb0171ae3765de77f33"
    ],
    "snapshotter": "overlayfs",
    "backend_name": "default/2/sha256:8306d7796a13373c5acc2717d9e97688f07737b760e50bb0171ae3765de77f33",
    "kind_source": "inferred",
    "children": [
      "sha256:01e76c1cc2fe3c8517323371613d2079553acbfbb4f129514ad4e683100a742d"
    ]
  }
},
"sha256:fc85475bfec1450da63e015e007caab1583e15440bf16fb73b55d6bf55238c9a":{
  "Kind": "Committed",
  "Name": "sha256:fc85475bfec1450da63e015e007caab1583e15440bf16fb73b55d6bf55238c9a",
  "Created": "2026-11-26T22:26:58.973175582Z",
  "Updated": "2026-11-26T22:26:58.973175582Z",
  "boltview": {
    "path": [
      "v1",
      "default",
      "snapshots",
      "overlayfs",
      "sha256:fc85475bfec1450da63e015e007caab1583e15440bf16fb73b55d6bf55238c9a"
    ],
    "snapshotter": "overlayfs",
    "backend_name": "default/6/sha256:fc85475bfec1450da63e015e007caab1583e15440bf16fb73b55d6bf55238c9a",
    "kind_source": "inferred",
    "children": [
      "hello-1"
    ]
  }
},
"web-1":{
  "Kind": null,
  "Name": "web-1",
  "Parent": "sha256:01e76c1cc2fe3c8517323371613d2079553acbfbb4f129514ad4e683100a742d",
  "Created": "2026-11-26T22:26:59.019708357Z",
  "Updated": "2026-11-26T22:26:59.019708357Z",
  "boltview": {
    "path": [
      "v1",
      "default",
      "snapshots",
      "overlayfs",
      "web-1"
    ],
    "snapshotter": "overlayfs",
    "backend_name": "default/7/web-1",
    "kind_source": "unknown",
    "children": []
  }
},
"worker-1":{
  "Kind": null,
  "Name": "worker-1",
  "Parent": "sha256:01e76c1cc2fe3c8517323371613d2079553acbfbb4f129514ad4e683100a742d",
  "Created": "2026-11-26T22:26:59.101979266Z",
  "Updated": "2026-11-26T22:26:59.101979266Z",
  "boltview": {
    "path": [
      "v1",
      "default",
      "snapshots",
      "overlayfs",
      "worker-1"
    ],
    "snapshotter": "overlayfs",
    "backend_name": "default/8/worker-1",
    "kind_source": "unknown",
    "children": []
  }
}
}},"content":{"blobs":{
"sha256:1a59e21d2be15691da05ee3881547e51b647909209212fa1086aedda0d44214f":{
  "Digest": "sha256:1a59e21d2be15691da05ee3881547e51b647909209212fa1086aedda0d44214f",
  "Size": 53,
  "CreatedAt": "2026-11-26T22:26:59.580586894Z",
  "UpdatedAt": "2026-11-26T22:26:59.594236618Z",
  "Labels": {
    "org.example.note": "true"
  },
  "boltview": {
    "path": [
      "v1",
      "default",
      "content",
      "blob",
      "sha256:1a59e21d2be15691da05ee3881547e51b647909209212fa1086aedda0d44214f"
    ]
  }
},
"sha256:248352f47fe80d7d81d962d47416fd78a474e7004629c13a67f3ef52707235aa":{
  "Digest": "sha256:248352f47fe80d7d81d962d47416fd78a474e7004629c13a67f3ef52707235aa",
  "Size": 560,
  "CreatedAt": "2026-11-26T22:26:58.847002063Z",
  "UpdatedAt": "2026-11-26T22:26:59.00116503Z",
  "Labels": {
    "containerd.io/gc.ref.snapshot.overlayfs": "sha256:01e76c1cc2fe3c8517323371613d2079553acbfbb4f129514ad4e683100a742d",
    "org.example.scanned": "true"
  },
  "boltview": {
    "path": [
      "v1",
      "default",
      "content",
      "blob",
      "sha256:248352f47fe80d7d81d962d47416fd78a474e7004629c13a67f3ef52707235aa"
    ]
  }
},
"sha256:3a86da54ba5a75a02c36a5828877d252ba96afcf6515738576e33f316063d469":{
  "Digest": "sha256:3a86da54ba5a75a02c36a5828877d252ba96afcf6515738576e33f316063d469",
  "Size": 491,
  "CreatedAt": "2026-11-26T22:26:58.942797472Z",
  "UpdatedAt": "2026-11-26T22:26:58.963690165Z",
  "Labels": {
    "containerd.io/gc.ref.content.m.0": "sha256:d0546b0cba415643be74ea76101e702b4b597a9fc2bb53810ef3f176ebe0b0f6",
    "containerd.io/gc.ref.content.m.1": "sha256:c18f4090e3fcfe7c7ba2d1ccec17125389673e16c31065faa42ee46329bb32f0"
  },
  "boltview": {
    "path": [
      "v1",
      "default",
      "content",
      "blob",
      "sha256:3a86da54ba5a75a02c36a5828877d252ba96afcf6515738576e33f316063d469"
    ]
  }
},
"sha256:3aa73b03e30148787d77b7e2323984cac7bd392aea9d142f61b69bd0fb349e68":{
  "Digest": "sha256:3aa73b03e30148787d77b7e2323984cac7bd392aea9d142f61b69bd0fb349e68",
  "Size": 162,
  "CreatedAt": "2026-11-26T22:26:58.945378413Z",
  "UpdatedAt": "2026-11-26T22:26:58.974234918Z",
  "Labels": {
    "containerd.io/uncompressed": "sha256:fc85475bfec1450da63e015e007caab1583e15440bf16fb73b55d6bf55238c9a"
  },
  "boltview": {
    "path": [
      "v1",
      "default",
      "content",
      "blob",
      "sha256:3aa73b03e30148787d77b7e2323984cac7bd392aea9d142f61b69bd0fb349e68"
    ]
  }
},
"sha256:6965998c7b88c071196c9f5cc0ffaba8aec62466cc5549e2dfd38190bd908969":{
  "Digest": "sha256:6965998c7b88c071196c9f5cc0ffaba8aec62466cc5549e2dfd38190bd908969",
  "Size": 161,
  "CreatedAt": "2026-11-26T22:26:58.94809058Z",
  "UpdatedAt": "2026-11-26T22:26:58.94809058Z",
  "Labels": null,
  "boltview": {
    "path": [
      "v1",
      "default",
      "content",
      "blob",
      "sha256:6965998c7b88c071196c9f5cc0ffaba8aec62466cc5549e2dfd38190bd908969"
    ]
  }
},
"sha256:6ea6e3c75ac737b80465f57dfb8d4d53099e501ade3e89fde72cb4eae4af97a0":{
  "Digest": "sha256:6ea6e3c75ac737b80465f57dfb8d4d53099e501ade3e89fde72cb4eae4af97a0",
  "Size": 334,
  "CreatedAt": "2026-11-26T22:26:58.952838652Z",
  "UpdatedAt": "2026-11-26T22:26:58.952838652Z",
  "Labels": null,
  "boltview": {
    "path": [
      "v1",
      "default",
      "content",
      "blob",
      "sha256:6ea6e3c75ac737b80465f57dfb8d4d53099e501ade3e89fde72cb4eae4af97a0"
    ]
  }
},
"sha256:8e7117b3124febab189ec912ae288770258b7692024d7901929095ed934f45a3":{
  "Digest": "sha256:8e7117b3124febab189ec912ae288770258b7692024d7901929095ed934f45a3",
  "Size": 556,
  "CreatedAt": "2026-11-26T22:26:58.863016429Z",
  "UpdatedAt": "2026-11-26T22:26:58.889469793Z",
  "Labels": {
    "containerd.io/gc.ref.content.config": "sha256:248352f47fe80d7d81d962d47416fd78a474e7004629c13a67f3ef52707235aa",
    "containerd.io/gc.ref.content.l.0": "sha256:c956067a620e0941a0748d7525fdb9a4eaf39f94ee056373d4f2e696d3890b2a",
    "containerd.io/gc.ref.content.l.1": "sha256:ff636dd773e730925feac4027733e69a1ffec148331df19611146d62295ca215"
  },
  "boltview": {
    "path": [
      "v1",
      "default",
      "content",
      "blob",
      "sha256:8e7117b3124febab189ec912ae288770258b7692024d7901929095ed934f45a3"
    ]
  }
},
"sha256:c18f4090e3fcfe7c7ba2d1ccec17125389673e16c31065faa42ee46329bb32f0":{
  "Digest": "sha256:c18f4090e3fcfe7c7ba2d1ccec17125389673e16c31065faa42ee46329bb32f0",
  "Size": 401,
  "CreatedAt": "2026-11-26T22:26:58.955436506Z",
  "UpdatedAt": "2026-11-26T22:26:58.965537012Z",
  "Labels": {
    "containerd.io/gc.ref.content.config": "sha256:6ea6e3c75ac737b80465f57dfb8d4d53099e501ade3e89fde72cb4eae4af97a0",
    "containerd.io/gc.ref.content.l.0": "sha256:6965998c7b88c071196c9f5cc0ffaba8aec62466cc5549e2dfd38190bd908969"
  },
  "boltview": {
    "path": [
      "v1",
      "default",
      "content",
      "blob",
      "sha256:c18f4090e3fcfe7c7ba2d1ccec17125389673e16c31065faa42ee46329bb32f0"
    ]
  }
},
"sha256:c956067a620e0941a0748d7525fdb9a4eaf39f94ee056373d4f2e696d3890b2a":{
  "Digest": "sha256:c956067a620e0941a0748d7525fdb9a4eaf39f94ee056373d4f2e696d3890b2a",
  "Size": 1031906,
  "CreatedAt": "2026-11-26T22:26:58.883498309Z",
  "UpdatedAt": "2026-11-26T22:26:58.91914702Z",
  "Labels": {
    "containerd.io/uncompressed": "sha256:8306d7796a13373c5acc2717d9e97688f07737b760e50bb0171ae3765de77f33"
  },
  "boltview": {
    "path": [
      "v1",
      "default",
      "content",
      "blob",
      "sha256:c956067a620e0941a0748d7525fdb9a4eaf39f94ee056373d4f2e696d3890b2a"
    ]
  }
},
"sha256:d0546b0cba415643be74ea76101e702b4b597a9fc2bb53810ef3f176ebe0b0f6":{
  "Digest": "sha256:d0546b0cba415643be74ea76101e702b4b597a9fc2bb53810ef3f176ebe0b0f6",
  "Size": 401,
  "CreatedAt": "2026-11-26T22:26:58.958128951Z",
  "UpdatedAt": "2026-11-26T22:26:58.96465369Z",
  "Labels": {
    "containerd.io/gc.ref.content.config": "sha256:f9a52a3f593db643d76175e30524f2f9e38fb23b066694c14867b69d2f9fde45",
    "containerd.io/gc.ref.content.l.0": "sha256:3aa73b03e30148787d77b7e2323984cac7bd392aea9d142f61b69bd0fb349e68"
  },
  "boltview": {
    "path": [
      "v1",
      "default",
      "content",
      "blob",
      "sha256:d0546b0cba415643be74ea76101e702b4b597a9fc2bb53810ef3f176ebe0b0f6"
    ]
  }
},
"sha256:f9a52a3f593db643d76175e30524f2f9e38fb23b066694c14867b69d2f9fde45":{
  "Digest": "sha256:f9a52a3f593db643d76175e30524f2f9e38fb23b066694c14867b69d2f9fde45",
  "Size": 334,
  "CreatedAt": "2026-11-26T22:26:58.961201818Z",
  "UpdatedAt": "2026-11-26T22:26:58.975401195Z",
  "Labels": {
    "containerd.io/gc.ref.snapshot.overlayfs": "sha256:fc85475bfec1450da63e015e007caab1583e15440bf16fb73b55d6bf55238c9a"
  },
  "boltview": {
    "path": [
      "v1",
      "default",
      "content",
      "blob",
      "sha256:f9a52a3f593db643d76175e30524f2f9e38fb23b066694c14867b69d2f9fde45"
    ]
  }
},
"sha256:ff636dd773e730925feac4027733e69a1ffec148331df19611146d62295ca215":{
  "Digest": "sha256:ff636dd773e730925feac4027733e69a1ffec148331df19611146d62295ca215",
  "Size": 10240,
  "CreatedAt": "2026-11-26T22:26:58.886633418Z",
  "UpdatedAt": "2026-11-26T22:26:58.923081027Z",
  "Labels": {
    "containerd.io/uncompressed": "sha256:ff636dd773e730925feac4027733e69a1ffec148331df19611146d62295ca215"
  },
  "boltview": {
    "path": [
      "v1",
      "default",
      "content",
      "blob",
      "sha256:ff636dd773e730925feac4027733e69a1ffec148331df19611146d62295ca215"
    ]
  }
}
},"ingests":{
"upload-leased":{
  "Ref": "upload-leased",
  "BackendRef": "default/1/upload-leased",
  "Expected": "",
  "ExpireAt": null,
  "boltview": {
    "path": [
      "v1",
      "default",
      "content",
      "ingests",
      "upload-leased"
    ]
  }
},
"upload-unleased":{
  "Ref": "upload-unleased",
  "BackendRef": "default/1/upload-unleased",
  "Expected": "",
  "ExpireAt": "2026-11-27T22:26:59.655463002Z",
  "boltview": {
    "path": [
      "v1",
      "default",
      "content",
      "ingests",
      "upload-unleased"
    ]
  }
}
}},"leases":{
"build-cache":{
  "ID": "build-cache",
  "CreatedAt": "2026-11-26T22:26:59.472077825Z",
  "Labels": {
    "containerd.io/gc.expire": "2026-12-26T22:26:59Z",
    "owner": "ci",
    "purpose": "build"
  },
  "Resources": [
    {
      "ID": "sha256:1a59e21d2be15691da05ee3881547e51b647909209212fa1086aedda0d44214f",
      "Type": "content"
    },
    {
      "ID": "sha256:6965998c7b88c071196c9f5cc0ffaba8aec62466cc5549e2dfd38190bd908969",
      "Type": "content"
    },
    {
      "ID": "upload-leased",
      "Type": "ingests"
    },
    {
      "ID": "scratch-rw",
      "Type": "snapshots/overlayfs"
    }
  ],
  "boltview": {
    "path": [
      "v1",
      "default",
      "leases",
      "build-cache"
    ]
  }
},
"pinned":{
  "ID": "pinned",
  "CreatedAt": "2026-11-26T22:26:59.48121016Z",
  "Labels": {
    "keep": "forever"
  },
  "Resources": [
    {
      "ID": "sha256:c956067a620e0941a0748d7525fdb9a4eaf39f94ee056373d4f2e696d3890b2a",
      "Type": "content"
    },
    {
      "ID": "late-1",
      "Type": "snapshots/overlayfs"
    },
    {
      "ID": "ro-view",
      "Type": "snapshots/overlayfs"
    }
  ],
  "boltview": {
    "path": [
      "v1",
      "default",
      "leases",
      "pinned"
    ]
  }
}
},"sandboxes":{}}},"problems":[],"provenance":{
  "tool": "boltview",
  "version": "0.1.0",
  "path": "/work/wt/filter/fixtures/containerd/v16/meta.db",
  "size": 524288,
  "sha256": "f90939160eaf28796224f0a0fe6215a3039bad4b0d50e5d9ec3d0dab255c111a",
  "mtime": "2026-11-30T06:55:43.221931Z",
  "snapshot": false,
  "page_size": 4096,
  "txid": 276,
  "meta": {
    "index": 0,
    "txid": 276,
    "reason": "meta 0 chosen by the user (--meta 0)"
  },
  "metas": [
    {
      "index": 0,
      "txid": 276,
      "root": 90,
      "freelist": 18,
      "high_water_mark": 103,
      "valid": true,
      "problem": null
    },
    {
      "index": 1,
      "txid": 275,
      "root": 90,
      "freelist": 91,
      "high_water_mark": 103,
      "valid": true,
      "problem": null
    }
  ],
  "read_at": "2030-01-02T03:04:05Z"
}}
