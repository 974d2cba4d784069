// Command line + environment configuration of halab-demo-api. Secrets come only from the environment.
#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QString>

class QCoreApplication;

class DemoConfig
{
public:
    QHostAddress listenAddress{QHostAddress::LocalHost};
    quint16 port = 0;
    QString nodeId;
    QString redisHost = QStringLiteral("127.0.0.1");
    quint16 redisPort = 6379;
    QString assetDir;

    // Secrets (environment only).
    QByteArray apiKeyAdmin;
    QByteArray apiKeyEditor;
    QByteArray apiKeyAdminPrevious;
    QByteArray apiKeyEditorPrevious;
    QByteArray editorTokenSecret;

    int leaseTtlMs = 2000;
    int leaseRenewMs = 300;
    int leaseStartDelayMs = 0; // a (re)started replica joins as a follower for this long
    int rateLimitMax = 20;
    int rateLimitWindowMs = 10000;
    int editorTokenTtlMinutes = 480;
    bool multiTenant = false;
    bool echoAuthHeaders = false;

    // Parses argv (exits on --help / --version / unknown options) and the environment.
    // Returns false with *error set when the configuration is unusable.
    static bool load(const QCoreApplication &app, DemoConfig *out, QString *error);
};
