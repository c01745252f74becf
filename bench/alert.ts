// The alert the benchmarks send: a typical Falco syscall alert (about 750 bytes of JSON).

export const ALERT = {
  time: '2026-11-29T01:02:03.123456789Z',
  rule: 'Terminal shell in container',
  priority: 'Notice',
  source: 'syscall',
  output:
    '01:02:03.123456789: Notice A shell was spawned in a container with an attached terminal (evt_type=execve user=root user_uid=0 process=bash proc_exepath=/usr/bin/bash parent=runc command=bash terminal=34816 container_id=8b1f3c0a2d4e container_name=web)',
  output_fields: {
    'evt.time': 1795914123123456789,
    'evt.type': 'execve',
    'user.name': 'root',
    'user.uid': 0,
    'proc.name': 'bash',
    'proc.exepath': '/usr/bin/bash',
    'proc.pname': 'runc',
    'proc.cmdline': 'bash',
    'proc.tty': 34816,
    'container.id': '8b1f3c0a2d4e',
    'container.name': 'web',
  },
  tags: ['container', 'shell', 'mitre_execution', 'T1059'],
  hostname: 'node-1',
};
