#include "probeworker.h"

#include "childprocesssetup.h"
#include "monoclock.h"
#include "processtree.h"
#include "serviceprober.h"

#include <QDateTime>
#include <QMutexLocker>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QPointer>
#include <QProcess>
#include <QSocketNotifier>
#include <QTcpSocket>
#include <QThread>
#include <QTimer>
#include <QUrl>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <limits>
#include <memory>

#ifdef Q_OS_LINUX
#include <sys/timerfd.h>
#include <unistd.h>
#endif

Q_LOGGING_CATEGORY(lcProbe, "halab.runners.probe", QtWarningMsg)

namespace {
constexpr qint64 MinIntervalMs = 10;
constexpr qint64 MaxBodyBytes = 1 << 20;
constexpr qint64 NsPerMs = 1'000'000;
constexpr qint64 PhaseStepNs = NsPerMs;

QString timeoutError(qint64 ms)
{
    return QStringLiteral("timeout after %1 ms").arg(ms);
}

bool wantsValue(const ProbeSpec &spec)
{
    return !spec.jsonPointer.isEmpty() || !spec.regex.isEmpty();
}
} // namespace

ProbeWorker::ProbeWorker(int flushMs, QObject *parent)
    : QObject(parent)
    , m_flushMs(flushMs)
{
}

ProbeWorker::~ProbeWorker()
{
#ifdef Q_OS_LINUX
    if (m_timerFd >= 0)
        ::close(m_timerFd);
#endif
}

int ProbeWorker::maxInFlight(qint64 intervalMs, qint64 timeoutMs)
{
    intervalMs = std::max<qint64>(intervalMs, 1);
    return int(std::min<qint64>((std::max<qint64>(timeoutMs, 1) + intervalMs - 1) / intervalMs + 1, 100000));
}

void ProbeWorker::ensureSetup()
{
    if (m_nam)
        return;
    // Created here, in the worker thread, so every timer, notifier and socket lives where it is used.
    m_nam = new QNetworkAccessManager(this);
    // Probes measure the stack on this machine; a proxy from the environment would distort them.
    m_nam->setProxy(QNetworkProxy::NoProxy);
    m_flushTimer = new QTimer(this);
    m_flushTimer->setInterval(std::chrono::milliseconds(m_flushMs));
    connect(m_flushTimer, &QTimer::timeout, this, &ProbeWorker::flush);
#ifdef Q_OS_LINUX
    // timerfd wakes us at an absolute CLOCK_MONOTONIC ns deadline: the glib event dispatcher
    // rounds QTimer waits up to whole milliseconds, which would be most of our jitter budget.
    m_timerFd = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (m_timerFd >= 0) {
        m_timerNotifier = new QSocketNotifier(qintptr(m_timerFd), QSocketNotifier::Read, this);
        connect(m_timerNotifier, &QSocketNotifier::activated, this, &ProbeWorker::onTimer);
        return;
    }
    qCWarning(lcProbe) << "timerfd_create failed; falling back to QTimer (ms resolution)";
#endif
    m_fallbackTimer = new QTimer(this);
    m_fallbackTimer->setSingleShot(true);
    m_fallbackTimer->setTimerType(Qt::PreciseTimer);
    connect(m_fallbackTimer, &QTimer::timeout, this, &ProbeWorker::onTimer);
}

ProbeWorker::Probe ProbeWorker::prepare(const ProbeSpec &spec, int index, int count, qint64 startNs) const
{
    Probe p;
    p.spec = spec;
    const qint64 intervalMs = std::max(spec.intervalMs, MinIntervalMs);
    if (spec.intervalMs < MinIntervalMs)
        qCWarning(lcProbe) << "probe" << spec.id << "interval" << spec.intervalMs << "ms raised to" << MinIntervalMs << "ms";
    p.intervalNs = intervalMs * NsPerMs;
    p.timeoutMs = spec.timeoutMs > 0 ? spec.timeoutMs : intervalMs;
    p.maxInFlight = maxInFlight(intervalMs, p.timeoutMs);
    // Probes are spread over their interval, on whole milliseconds: N probes neither fire in the
    // same microsecond (a self-made burst at the target) nor wake the thread N times per interval.
    const qint64 phaseNs = count > 1 ? p.intervalNs * index / count / PhaseStepNs * PhaseStepNs : 0;
    p.firstDueNs = startNs + phaseNs;

    switch (spec.kind) {
    case ProbeSpec::Kind::Http: {
        const QUrl url(spec.url);
        const QString scheme = url.scheme();
        if (!url.isValid() || url.host().isEmpty()
            || (scheme != QLatin1String("http") && scheme != QLatin1String("https"))) {
            p.setupError = QStringLiteral("invalid URL '%1'").arg(spec.url);
            break;
        }
        p.request = QNetworkRequest(url);
        // The probe judges the status it is given; following a redirect would hide it.
        p.request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
        // Qt's transfer timeout restarts with every byte and is a coarse timer (it fires up to 5%
        // early), so it is only a backstop just behind our own precise per-attempt timer.
        p.request.setTransferTimeout(int(std::min<qint64>(p.timeoutMs + std::max<qint64>(p.timeoutMs / 10, 5),
                                                          std::numeric_limits<int>::max())));
        for (auto it = spec.headers.cbegin(); it != spec.headers.cend(); ++it)
            p.request.setRawHeader(it.key().toUtf8(), it.value().toUtf8());
        p.verb = spec.method.isEmpty() ? QByteArrayLiteral("GET") : spec.method.toUpper().toLatin1();
        p.body = spec.body.toUtf8();
        // Keep-alive stays on (QNAM's default): fresh connections at 100 Hz would pile up TIME_WAIT,
        // and a paused backend (also one behind nginx) still shows, as per-attempt timeouts.
        // QNAM queues beyond 6 connections per host, so one hung request would delay the next
        // ones: each probe gets connection lanes of 6 (a distinct peerVerifyName is a distinct
        // connection-cache key in Qt 6.4), and every attempt is on the wire at its due time.
        // https keeps one lane: there peerVerifyName is the certificate's name.
        p.useLanes = scheme == QLatin1String("http");
        break;
    }
    case ProbeSpec::Kind::Tcp: {
        const int colon = spec.address.lastIndexOf(QLatin1Char(':'));
        bool portOk = false;
        p.port = colon > 0 ? spec.address.mid(colon + 1).toUShort(&portOk) : 0;
        p.host = colon > 0 ? spec.address.left(colon) : QString();
        if (p.host.startsWith(QLatin1Char('[')) && p.host.endsWith(QLatin1Char(']')))
            p.host = p.host.mid(1, p.host.size() - 2);
        if (!portOk || p.port == 0 || p.host.isEmpty())
            p.setupError = QStringLiteral("bad tcp address '%1' (want host:port)").arg(spec.address);
        break;
    }
    case ProbeSpec::Kind::Command:
        if (spec.command.isEmpty())
            p.setupError = QStringLiteral("empty command");
        break;
    }
    if (!p.setupError.isEmpty())
        qCWarning(lcProbe) << "probe" << spec.id << "cannot run:" << p.setupError;
    return p;
}

void ProbeWorker::start(const QList<ProbeSpec> &probes)
{
    stop();
    ensureSetup();
    m_probes.clear();
    m_probes.reserve(size_t(probes.size()));
    const qint64 startNs = MonoClock::nowNs();
    for (int i = 0; i < probes.size(); ++i)
        m_probes.push_back(prepare(probes.at(i), i, int(probes.size()), startNs));
    m_running = true;
    if (m_probes.empty())
        return;
    m_flushTimer->start();
    onTimer();
}

void ProbeWorker::stop()
{
    ++m_generation;
    const bool wasRunning = m_running;
    m_running = false;
    if (m_flushTimer)
        m_flushTimer->stop();
    disarm();
    abandonInFlight();
    m_deadlines = {};
    m_onTimeout.clear();
    for (Probe &p : m_probes) {
        p.inFlight = 0;
        std::fill(p.laneLoad.begin(), p.laneLoad.end(), 0);
    }
    if (wasRunning)
        flush();
}

void ProbeWorker::shutdown()
{
    stop();
    // Commands killed by stop() are reaped by this thread's event loop; quitting before that
    // would leave QProcess to wait for them in its destructor.
    auto remaining = [this]() {
        const QList<QProcess *> processes = findChildren<QProcess *>(Qt::FindDirectChildrenOnly);
        return std::count_if(processes.cbegin(), processes.cend(),
                             [](const QProcess *p) { return p->state() != QProcess::NotRunning; });
    };
    if (remaining() == 0) {
        thread()->quit();
        return;
    }
    const QList<QProcess *> processes = findChildren<QProcess *>(Qt::FindDirectChildrenOnly);
    for (QProcess *process : processes) {
        connect(process, &QProcess::finished, this, [this, remaining]() {
            if (remaining() == 0)
                thread()->quit();
        });
    }
    // SIGKILLed children go in milliseconds; this only bounds a pathological case.
    QTimer::singleShot(std::chrono::seconds(2), this, [this]() { thread()->quit(); });
}

void ProbeWorker::arm(qint64 dueNs)
{
#ifdef Q_OS_LINUX
    if (m_timerFd >= 0) {
        itimerspec spec{};
        spec.it_value.tv_sec = time_t(dueNs / 1'000'000'000);
        spec.it_value.tv_nsec = long(dueNs % 1'000'000'000);
        if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0)
            spec.it_value.tv_nsec = 1; // all-zero would disarm the timer
        ::timerfd_settime(m_timerFd, TFD_TIMER_ABSTIME, &spec, nullptr);
        return;
    }
#endif
    // Rounded up: a precise QTimer never fires before its interval, so never before the due time.
    const qint64 waitNs = std::max<qint64>(dueNs - MonoClock::nowNs(), 0);
    m_fallbackTimer->start(std::chrono::milliseconds((waitNs + NsPerMs - 1) / NsPerMs));
}

void ProbeWorker::disarm()
{
#ifdef Q_OS_LINUX
    if (m_timerFd >= 0) {
        const itimerspec off{};
        ::timerfd_settime(m_timerFd, 0, &off, nullptr);
        quint64 expirations = 0;
        [[maybe_unused]] const auto n = ::read(m_timerFd, &expirations, sizeof expirations); // drop a pending wake-up
        return;
    }
#endif
    if (m_fallbackTimer)
        m_fallbackTimer->stop();
}

void ProbeWorker::onTimer()
{
#ifdef Q_OS_LINUX
    if (m_timerFd >= 0) {
        quint64 expirations = 0;
        [[maybe_unused]] const auto n = ::read(m_timerFd, &expirations, sizeof expirations); // non-blocking
    }
#endif
    tick();
}

void ProbeWorker::pollSchedule()
{
    // Queued reply events are handled before the timer's wake-up gets its turn; checking the
    // clock after each completion keeps a busy thread from starting attempts late.
    if (!m_inTick && m_running && MonoClock::nowNs() >= m_nextWakeNs)
        tick();
}

void ProbeWorker::tick()
{
    if (!m_running || m_probes.empty())
        return;
    m_inTick = true;
    const qint64 now = MonoClock::nowNs();
    qint64 next = std::numeric_limits<qint64>::max();
    for (int i = 0; i < int(m_probes.size()); ++i) {
        // Every slot that is due gets its attempt, also slots missed while the thread was stalled
        // (their lateNs shows it): the sample count always matches elapsed time / interval.
        while (m_probes[size_t(i)].dueNs() <= now) {
            const qint64 due = m_probes[size_t(i)].dueNs();
            ++m_probes[size_t(i)].slot;
            launch(i, due);
        }
        next = std::min(next, m_probes[size_t(i)].dueNs());
    }
    // Timeouts after launches: starting on time is what lateNs measures, and a timeout's
    // latency is its deadline anyway.
    const qint64 afterLaunches = MonoClock::nowNs();
    while (!m_deadlines.empty() && m_deadlines.top().first <= afterLaunches) {
        const quint64 attempt = m_deadlines.top().second;
        m_deadlines.pop();
        const auto onTimeout = m_onTimeout.take(attempt); // absent when the attempt already ended
        if (onTimeout)
            onTimeout();
    }
    if (!m_deadlines.empty())
        next = std::min(next, m_deadlines.top().first);
    m_inTick = false;
    m_nextWakeNs = next;
    arm(next);
}

quint64 ProbeWorker::addDeadline(qint64 timeoutMs, std::function<void()> onTimeout)
{
    const quint64 attempt = ++m_lastAttempt;
    const qint64 at = MonoClock::nowNs() + timeoutMs * NsPerMs;
    m_deadlines.emplace(at, attempt);
    m_onTimeout.insert(attempt, std::move(onTimeout));
    if (at < m_nextWakeNs && !m_inTick) {
        m_nextWakeNs = at;
        arm(at);
    }
    return attempt;
}

void ProbeWorker::launch(int index, qint64 dueNs)
{
    Probe &p = m_probes[size_t(index)];
    const qint64 startNs = MonoClock::nowNs();
    if (!p.setupError.isEmpty()) {
        Result r;
        r.error = p.setupError;
        record(p, dueNs, startNs, 0, r);
        return;
    }
    if (p.inFlight >= p.maxInFlight) {
        Result r;
        r.error = QStringLiteral("too many attempts in flight (%1)").arg(p.inFlight);
        record(p, dueNs, startNs, 0, r);
        return;
    }
    ++p.inFlight;
    switch (p.spec.kind) {
    case ProbeSpec::Kind::Http: runHttp(index, dueNs, startNs); return;
    case ProbeSpec::Kind::Tcp: runTcp(index, dueNs, startNs); return;
    case ProbeSpec::Kind::Command: runCommand(index, dueNs, startNs); return;
    }
}

void ProbeWorker::runHttp(int index, qint64 dueNs, qint64 startNs)
{
    Probe &p = m_probes[size_t(index)];
    QNetworkRequest request = p.request;
    int lane = 0;
    if (p.useLanes) {
        while (lane < int(p.laneLoad.size()) && p.laneLoad[size_t(lane)] >= ChannelsPerLane)
            ++lane;
        if (lane == int(p.laneLoad.size())) {
            p.laneLoad.push_back(0);
            p.laneNames.push_back(QStringLiteral("halab-probe-%1-lane-%2").arg(index).arg(lane));
        }
        ++p.laneLoad[size_t(lane)];
        request.setPeerVerifyName(p.laneNames[size_t(lane)]);
    }
    QNetworkReply *reply = nullptr;
    if (p.verb == "GET" && p.body.isEmpty())
        reply = m_nam->get(request);
    else if (p.verb == "HEAD" && p.body.isEmpty())
        reply = m_nam->head(request);
    else if (p.body.isEmpty())
        reply = m_nam->sendCustomRequest(request, p.verb);
    else
        reply = m_nam->sendCustomRequest(request, p.verb, p.body);

    // Bounds connect + send + answer: a blackholed port never produces a transfer to time out.
    const quint64 attempt = addDeadline(p.timeoutMs, [reply = QPointer<QNetworkReply>(reply)]() {
        if (reply)
            reply->abort();
    });
    const quint64 generation = m_generation;
    connect(reply, &QNetworkReply::finished, this, [this, reply, index, dueNs, startNs, lane, generation, attempt]() {
        const qint64 endNs = MonoClock::nowNs();
        reply->deleteLater();
        if (generation != m_generation)
            return;
        clearDeadline(attempt);
        Probe &p = m_probes[size_t(index)];
        if (p.useLanes && lane < int(p.laneLoad.size()))
            --p.laneLoad[size_t(lane)];
        Result r;
        const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
        r.status = status.toInt();
        const QNetworkReply::NetworkError error = reply->error();
        if (error == QNetworkReply::OperationCanceledError || error == QNetworkReply::TimeoutError) {
            r.error = timeoutError(p.timeoutMs); // only our deadline or the transfer timeout abort
        } else if (status.isValid()) {
            r.ok = p.spec.expectStatus != 0 ? r.status == p.spec.expectStatus : (r.status >= 200 && r.status < 300);
            if (!r.ok)
                r.error = QStringLiteral("HTTP %1").arg(r.status);
            if (wantsValue(p.spec)) {
                QString extractError;
                const auto value = ServiceProber::extract(p.spec, reply->read(MaxBodyBytes), &extractError);
                if (value) {
                    r.value = *value;
                } else if (r.ok) {
                    // A role / value probe that cannot read its value did not do its job.
                    r.ok = false;
                    r.error = extractError;
                }
            }
        } else {
            r.error = reply->errorString();
        }
        finish(index, dueNs, startNs, endNs, r);
    });
}

void ProbeWorker::runTcp(int index, qint64 dueNs, qint64 startNs)
{
    const Probe &p = m_probes[size_t(index)];
    auto *socket = new QTcpSocket(this);
    socket->setProxy(QNetworkProxy::NoProxy);
    const quint64 generation = m_generation;
    const qint64 timeoutMs = p.timeoutMs;
    auto attempt = std::make_shared<quint64>(0);
    // Exactly one of connected / error / timeout ends the attempt: the first disconnects the others.
    auto done = [this, socket, index, dueNs, startNs, generation, attempt](bool ok, const QString &error) {
        const qint64 endNs = MonoClock::nowNs();
        QObject::disconnect(socket, nullptr, this, nullptr);
        socket->abort();
        socket->deleteLater();
        if (generation != m_generation)
            return;
        clearDeadline(*attempt);
        Result r;
        r.ok = ok;
        r.error = error;
        finish(index, dueNs, startNs, endNs, r);
    };
    connect(socket, &QTcpSocket::connected, this, [done]() { done(true, {}); });
    connect(socket, &QAbstractSocket::errorOccurred, this,
            [done, socket](QAbstractSocket::SocketError) { done(false, socket->errorString()); });
    *attempt = addDeadline(timeoutMs, [done, timeoutMs]() { done(false, timeoutError(timeoutMs)); });
    socket->connectToHost(p.host, p.port);
}

void ProbeWorker::runCommand(int index, qint64 dueNs, qint64 startNs)
{
    const Probe &p = m_probes[size_t(index)];
    auto *process = new QProcess(this);
    // Own process group (the timeout kills the whole tree); dies with this thread, i.e. the engine.
    ChildProcessSetup::apply(process);
    process->setStandardInputFile(QProcess::nullDevice());
    auto timedOut = std::make_shared<bool>(false);
    const quint64 generation = m_generation;
    const qint64 timeoutMs = p.timeoutMs;
    const quint64 attempt = addDeadline(timeoutMs, [process, timedOut]() {
        if (process->state() == QProcess::NotRunning)
            return;
        *timedOut = true;
        ProcessTree::signalTree(process->processId(), process->processId(), SIGKILL);
    });
    connect(process, &QProcess::finished, this,
            [this, process, timedOut, index, dueNs, startNs, generation, timeoutMs, attempt](int code, QProcess::ExitStatus status) {
                const qint64 endNs = MonoClock::nowNs();
                process->deleteLater();
                if (generation != m_generation)
                    return;
                clearDeadline(attempt);
                const Probe &p = m_probes[size_t(index)];
                Result r;
                const QByteArray out = process->readAllStandardOutput().left(MaxBodyBytes);
                if (*timedOut) {
                    r.error = timeoutError(timeoutMs);
                } else if (status == QProcess::CrashExit) {
                    r.error = QStringLiteral("killed by a signal");
                } else {
                    r.status = code;
                    r.ok = code == p.spec.expectExit;
                    if (!r.ok) {
                        const QString err = QString::fromUtf8(process->readAllStandardError()).trimmed();
                        r.error = QStringLiteral("exit code %1").arg(code);
                        if (!err.isEmpty())
                            r.error += QStringLiteral(": ") + err.section(QLatin1Char('\n'), -1);
                    }
                    if (wantsValue(p.spec)) {
                        QString extractError;
                        const auto value = ServiceProber::extract(p.spec, out, &extractError);
                        if (value) {
                            r.value = *value;
                        } else if (r.ok) {
                            r.ok = false;
                            r.error = extractError;
                        }
                    }
                }
                finish(index, dueNs, startNs, endNs, r);
            });
    connect(process, &QProcess::errorOccurred, this,
            [this, process, index, dueNs, startNs, generation, attempt](QProcess::ProcessError error) {
                if (error != QProcess::FailedToStart)
                    return; // crashes and kills arrive through finished()
                const qint64 endNs = MonoClock::nowNs();
                process->deleteLater();
                if (generation != m_generation)
                    return;
                clearDeadline(attempt);
                Result r;
                r.error = process->errorString();
                finish(index, dueNs, startNs, endNs, r);
            });
    process->start(p.spec.command.first(), p.spec.command.mid(1));
}

void ProbeWorker::finish(int index, qint64 dueNs, qint64 startNs, qint64 endNs, const Result &result)
{
    Probe &p = m_probes[size_t(index)];
    --p.inFlight;
    record(p, dueNs, startNs, double(endNs - startNs) / 1e6, result);
    pollSchedule();
}

void ProbeWorker::record(const Probe &probe, qint64 dueNs, qint64 startNs, double latencyMs, const Result &result)
{
    ProbeSample s;
    s.probeId = probe.spec.id;
    s.monoNs = dueNs;
    // Wall time of the due instant, read now so a wall-clock step mid-run shows up at once.
    s.wallMs = QDateTime::currentMSecsSinceEpoch() - (MonoClock::nowNs() - dueNs) / NsPerMs;
    s.ok = result.ok;
    s.latencyMs = latencyMs;
    s.status = result.status;
    s.value = result.value;
    s.error = result.error;
    s.lateNs = startNs - dueNs;
    m_buffer.append(std::move(s));
}

void ProbeWorker::abandonInFlight()
{
    // Finished handlers see the bumped generation and only delete their objects.
    if (m_nam) {
        const QList<QNetworkReply *> replies = m_nam->findChildren<QNetworkReply *>(Qt::FindDirectChildrenOnly);
        for (QNetworkReply *reply : replies)
            reply->abort();
    }
    const QList<QTcpSocket *> sockets = findChildren<QTcpSocket *>(Qt::FindDirectChildrenOnly);
    for (QTcpSocket *socket : sockets) {
        QObject::disconnect(socket, nullptr, this, nullptr);
        socket->abort();
        socket->deleteLater();
    }
    const QList<QProcess *> processes = findChildren<QProcess *>(Qt::FindDirectChildrenOnly);
    for (QProcess *process : processes) {
        if (process->state() != QProcess::NotRunning)
            ProcessTree::signalTree(process->processId(), process->processId(), SIGKILL);
    }
}

void ProbeWorker::flush()
{
    if (m_buffer.isEmpty())
        return;
    bool wasEmpty = false;
    {
        QMutexLocker lock(&m_outboxMutex);
        wasEmpty = m_outbox.isEmpty();
        if (wasEmpty)
            m_outbox.swap(m_buffer);
        else
            m_outbox.append(m_buffer);
    }
    m_buffer.clear();
    if (wasEmpty)
        Q_EMIT samplesReady();
}

ProbeSampleBatch ProbeWorker::takeSamples()
{
    QMutexLocker lock(&m_outboxMutex);
    ProbeSampleBatch batch;
    batch.swap(m_outbox);
    return batch;
}
