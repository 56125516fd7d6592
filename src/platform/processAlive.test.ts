import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { test } from 'node:test'
import { processAlive } from './processAlive.ts'

test('processAlive: this process yes; nonsense pids and a killed process no', async () => {
  assert.equal(processAlive(process.pid), true)
  assert.equal(processAlive(0), false)
  assert.equal(processAlive(-1), false)
  assert.equal(processAlive(2 ** 22 + 1), false) // above Linux's pid_max

  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })
  await once(child, 'spawn')
  assert.equal(processAlive(child.pid!), true)
  child.kill('SIGKILL')
  await once(child, 'exit')
  assert.equal(processAlive(child.pid!), false)
})

test('processAlive: a zombie (killed, never reaped by its parent) counts as gone', { skip: process.platform !== 'linux' }, async () => {
  // `true` runs in the background and exits; the shell then becomes `sleep`, which never
  // waits for it, so it stays a zombie — what a SIGKILLed detached node is under a pid 1
  // that does not reap orphans. (Where SIGCHLD is ignored the kernel reaps it at once; the
  // answer must be the same.)
  const parent = spawn('sh', ['-c', 'true & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] })
  try {
    const [line] = (await once(parent.stdout!, 'data')) as [Buffer]
    const zombie = Number(line.toString().trim())
    for (let i = 0; i < 200 && processAlive(zombie); i++) await new Promise((r) => setTimeout(r, 10))
    assert.equal(processAlive(zombie), false)
  } finally {
    parent.kill('SIGKILL')
  }
})
