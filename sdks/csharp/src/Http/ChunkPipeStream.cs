// A read-only stream fed chunk by chunk (by a transport's download callback): reads wait for the next chunk, so an
// answer can be consumed while it is still arriving. Single-threaded friendly (no thread pool, no blocking waits).
using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace Rapport.Http
{
    public sealed class ChunkPipeStream : Stream
    {
        private readonly object gate = new object();
        private readonly Queue<byte[]> chunks = new Queue<byte[]>();
        private byte[] current;
        private int position;
        private bool completed;
        private Exception failure;
        private TaskCompletionSource<bool> waiter;

        /// <summary>Appends a copy of data[0..count).</summary>
        public void Append(byte[] data, int count)
        {
            if (count <= 0) return;
            var copy = new byte[count];
            Buffer.BlockCopy(data, 0, copy, 0, count);
            lock (gate)
            {
                if (completed) return;
                chunks.Enqueue(copy);
            }
            Wake();
        }

        /// <summary>Ends the stream: readers get the rest, then 0 (or the failure as an IOException).</summary>
        public void Complete(Exception error = null)
        {
            lock (gate)
            {
                if (completed) return;
                completed = true;
                failure = error;
            }
            Wake();
        }

        private void Wake()
        {
            TaskCompletionSource<bool> wake;
            lock (gate)
            {
                wake = waiter;
                waiter = null;
            }
            if (wake != null) wake.TrySetResult(true);
        }

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            while (true)
            {
                Task wait;
                lock (gate)
                {
                    if (current == null && chunks.Count > 0)
                    {
                        current = chunks.Dequeue();
                        position = 0;
                    }
                    if (current != null)
                    {
                        var n = Math.Min(count, current.Length - position);
                        Buffer.BlockCopy(current, position, buffer, offset, n);
                        position += n;
                        if (position == current.Length) current = null;
                        return n;
                    }
                    if (completed)
                    {
                        if (failure != null) throw new IOException(failure.Message, failure);
                        return 0;
                    }
                    if (waiter == null) waiter = new TaskCompletionSource<bool>();
                    wait = waiter.Task;
                }
                if (cancellationToken.CanBeCanceled)
                {
                    var cancelled = new TaskCompletionSource<bool>();
                    using (cancellationToken.Register(() => cancelled.TrySetCanceled()))
                    {
                        await Task.WhenAny(wait, cancelled.Task).ConfigureAwait(false);
                    }
                    cancellationToken.ThrowIfCancellationRequested();
                }
                else
                {
                    await wait.ConfigureAwait(false);
                }
            }
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            return ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) Complete(new ObjectDisposedException("ChunkPipeStream"));
            base.Dispose(disposing);
        }

        public override bool CanRead
        {
            get { return true; }
        }

        public override bool CanSeek
        {
            get { return false; }
        }

        public override bool CanWrite
        {
            get { return false; }
        }

        public override long Length
        {
            get { throw new NotSupportedException(); }
        }

        public override long Position
        {
            get { throw new NotSupportedException(); }
            set { throw new NotSupportedException(); }
        }

        public override void Flush() { }

        public override long Seek(long offset, SeekOrigin origin)
        {
            throw new NotSupportedException();
        }

        public override void SetLength(long value)
        {
            throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            throw new NotSupportedException();
        }
    }
}
