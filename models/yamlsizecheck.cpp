#include "yamlsizecheck.h"

#include "lablimits.h"

#include <yaml-cpp/parser.h>

#include <sstream>

void YamlSizeCheck::check(const std::string &yaml)
{
    std::istringstream in(yaml);
    YAML::Parser parser(in);
    YamlSizeCheck handler;
    parser.HandleNextDocument(handler); // YAML::Load reads the first document only; so does this
}

void YamlSizeCheck::OnAnchor(const YAML::Mark &, const std::string &name)
{
    m_pendingAnchorName = name;
}

void YamlSizeCheck::OnNull(const YAML::Mark &mark, YAML::anchor_t anchor)
{
    leaf(mark, anchor);
}

void YamlSizeCheck::OnScalar(const YAML::Mark &mark, const std::string &, YAML::anchor_t anchor, const std::string &value)
{
    if (qint64(value.size()) > LabLimits::maxValueBytes)
        throw Refusal{mark, QStringLiteral("a value of %1 bytes is too long: one value may hold at most 64 KiB (%2 bytes)")
                                .arg(qint64(value.size()))
                                .arg(LabLimits::maxValueBytes)};
    leaf(mark, anchor);
}

void YamlSizeCheck::OnAlias(const YAML::Mark &mark, YAML::anchor_t anchor)
{
    const QString name = anchor < m_anchorNames.size() ? QString::fromStdString(m_anchorNames[anchor]) : QString();
    if (anchor >= m_anchorNodes.size() || m_anchorNodes[anchor] < 0)
        throw Refusal{mark, QStringLiteral("alias '*%1' is inside the value it names: that value would never end").arg(name)};
    count(mark, m_anchorNodes[anchor], name);
}

void YamlSizeCheck::OnSequenceStart(const YAML::Mark &mark, const std::string &, YAML::anchor_t anchor, YAML::EmitterStyle::value)
{
    openCollection(mark, anchor);
}

void YamlSizeCheck::OnSequenceEnd()
{
    closeCollection();
}

void YamlSizeCheck::OnMapStart(const YAML::Mark &mark, const std::string &, YAML::anchor_t anchor, YAML::EmitterStyle::value)
{
    openCollection(mark, anchor);
}

void YamlSizeCheck::OnMapEnd()
{
    closeCollection();
}

void YamlSizeCheck::count(const YAML::Mark &mark, qint64 nodes, const QString &alias)
{
    // Each term is at most maxNodes (larger sums are refused on the spot), so nothing overflows.
    m_total += nodes;
    if (!m_open.empty())
        m_open.back().nodes += nodes;
    if (m_total <= LabLimits::maxNodes)
        return;
    throw Refusal{mark, alias.isEmpty()
                            ? QStringLiteral("the lab holds more than %1 values: that is far more than a lab needs").arg(LabLimits::maxNodes)
                            : QStringLiteral("alias '*%1' makes the lab hold more than %2 values once aliases are expanded (an alias bomb?)")
                                  .arg(alias)
                                  .arg(LabLimits::maxNodes)};
}

void YamlSizeCheck::leaf(const YAML::Mark &mark, YAML::anchor_t anchor)
{
    const std::string name = std::move(m_pendingAnchorName);
    m_pendingAnchorName.clear();
    count(mark, 1);
    if (anchor)
        remember(anchor, 1, name);
}

void YamlSizeCheck::openCollection(const YAML::Mark &mark, YAML::anchor_t anchor)
{
    const std::string name = std::move(m_pendingAnchorName);
    m_pendingAnchorName.clear();
    count(mark, 1);
    m_open.push_back({anchor, 1});
    if (anchor)
        remember(anchor, -1, name); // an alias to it before it closes would nest it in itself
}

void YamlSizeCheck::closeCollection()
{
    if (m_open.empty())
        return;
    const Open done = m_open.back();
    m_open.pop_back();
    if (!m_open.empty())
        m_open.back().nodes += done.nodes - 1; // its own node was already added to the parent when it opened
    if (done.anchor)
        m_anchorNodes[done.anchor] = done.nodes;
}

void YamlSizeCheck::remember(YAML::anchor_t anchor, qint64 nodes, const std::string &name)
{
    if (m_anchorNodes.size() <= anchor) {
        m_anchorNodes.resize(anchor + 1, 0);
        m_anchorNames.resize(anchor + 1);
    }
    m_anchorNodes[anchor] = nodes;
    m_anchorNames[anchor] = name;
}
