// Base of the unit-test fixtures: a fresh fake Rapport server per test and the list of backoff delays the client slept.
using System;
using System.Collections.Generic;
using NUnit.Framework;

namespace Rapport.Tests
{
    public abstract class FakeServerFixture
    {
        internal FakeServer server;
        internal List<TimeSpan> delays;

        [SetUp]
        public void Start()
        {
            server = new FakeServer();
            delays = new List<TimeSpan>();
        }

        [TearDown]
        public void Stop()
        {
            server.Dispose();
        }
    }
}
