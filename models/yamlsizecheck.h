#pragma once

#include <QString>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/mark.h>

#include <string>
#include <vector>

// Reads a YAML document's events before it is loaded and refuses it at the first value larger
// than LabLimits::maxValueBytes, or once its nodes, with every alias expanded, pass
// LabLimits::maxNodes: an alias bomb is stopped here instead of in the lab reader's loops.
class YamlSizeCheck : public YAML::EventHandler
{
public:
    struct Refusal
    {
        YAML::Mark mark;
        QString message;
    };

    // Throws Refusal for a value or a document too large, YAML::Exception for bad YAML.
    static void check(const std::string &yaml);

    void OnDocumentStart(const YAML::Mark &) override {}
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark &mark, YAML::anchor_t anchor) override;
    void OnAlias(const YAML::Mark &mark, YAML::anchor_t anchor) override;
    void OnScalar(const YAML::Mark &mark, const std::string &tag, YAML::anchor_t anchor, const std::string &value) override;
    void OnSequenceStart(const YAML::Mark &mark, const std::string &tag, YAML::anchor_t anchor,
                         YAML::EmitterStyle::value style) override;
    void OnSequenceEnd() override;
    void OnMapStart(const YAML::Mark &mark, const std::string &tag, YAML::anchor_t anchor,
                    YAML::EmitterStyle::value style) override;
    void OnMapEnd() override;
    void OnAnchor(const YAML::Mark &mark, const std::string &name) override;

private:
    struct Open
    {
        YAML::anchor_t anchor = 0;
        qint64 nodes = 1; // the collection itself, then its expanded children
    };

    void count(const YAML::Mark &mark, qint64 nodes, const QString &alias = QString());
    void leaf(const YAML::Mark &mark, YAML::anchor_t anchor);
    void openCollection(const YAML::Mark &mark, YAML::anchor_t anchor);
    void closeCollection();
    void remember(YAML::anchor_t anchor, qint64 nodes, const std::string &name);

    qint64 m_total = 0;
    std::vector<Open> m_open;
    std::vector<qint64> m_anchorNodes; // by anchor id; -1 while the anchored collection is still open
    std::vector<std::string> m_anchorNames;
    std::string m_pendingAnchorName;
};
