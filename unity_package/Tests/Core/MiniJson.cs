using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace TalkRig.Receiver.Tests
{
    /// <summary>
    /// Just enough JSON to read tests/fixtures/golden_datagrams.json without Unity or a NuGet
    /// package (Mono's Debian build has no JavaScriptSerializer): objects become
    /// Dictionary&lt;string, object&gt;, arrays List&lt;object&gt;, numbers double, plus string,
    /// bool and null. Malformed input throws FormatException naming the character offset.
    /// </summary>
    public sealed class MiniJson
    {
        readonly string _text;
        int _pos;

        MiniJson(string text)
        {
            _text = text;
        }

        public static object Parse(string text)
        {
            var reader = new MiniJson(text);
            var value = reader.ReadValue();
            reader.SkipSpace();
            if (reader._pos != text.Length) throw reader.Error("trailing characters");
            return value;
        }

        object ReadValue()
        {
            SkipSpace();
            if (_pos >= _text.Length) throw Error("unexpected end");
            var c = _text[_pos];
            if (c == '{') return ReadObject();
            if (c == '[') return ReadArray();
            if (c == '"') return ReadString();
            if (Literal("true")) return true;
            if (Literal("false")) return false;
            if (Literal("null")) return null;
            return ReadNumber();
        }

        Dictionary<string, object> ReadObject()
        {
            var result = new Dictionary<string, object>();
            _pos++;
            SkipSpace();
            if (Peek() == '}') { _pos++; return result; }
            while (true)
            {
                SkipSpace();
                if (Peek() != '"') throw Error("expected a key");
                var key = ReadString();
                SkipSpace();
                if (Peek() != ':') throw Error("expected ':'");
                _pos++;
                result[key] = ReadValue();
                SkipSpace();
                var c = Next();
                if (c == '}') return result;
                if (c != ',') throw Error("expected ',' or '}'");
            }
        }

        List<object> ReadArray()
        {
            var result = new List<object>();
            _pos++;
            SkipSpace();
            if (Peek() == ']') { _pos++; return result; }
            while (true)
            {
                result.Add(ReadValue());
                SkipSpace();
                var c = Next();
                if (c == ']') return result;
                if (c != ',') throw Error("expected ',' or ']'");
            }
        }

        string ReadString()
        {
            var sb = new StringBuilder();
            _pos++;
            while (true)
            {
                var c = Next();
                if (c == '"') return sb.ToString();
                if (c != '\\') { sb.Append(c); continue; }
                var e = Next();
                switch (e)
                {
                    case 'n': sb.Append('\n'); break;
                    case 't': sb.Append('\t'); break;
                    case 'r': sb.Append('\r'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'u':
                        if (_pos + 4 > _text.Length) throw Error("short \\u escape");
                        sb.Append((char)int.Parse(_text.Substring(_pos, 4), NumberStyles.HexNumber));
                        _pos += 4;
                        break;
                    default: sb.Append(e); break;
                }
            }
        }

        double ReadNumber()
        {
            var start = _pos;
            while (_pos < _text.Length && "+-0123456789.eE".IndexOf(_text[_pos]) >= 0) _pos++;
            if (start == _pos) throw Error("expected a value");
            return double.Parse(_text.Substring(start, _pos - start), NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        bool Literal(string word)
        {
            if (string.CompareOrdinal(_text, _pos, word, 0, word.Length) != 0) return false;
            _pos += word.Length;
            return true;
        }

        void SkipSpace()
        {
            while (_pos < _text.Length && char.IsWhiteSpace(_text[_pos])) _pos++;
        }

        char Peek() => _pos < _text.Length ? _text[_pos] : '\0';

        char Next()
        {
            if (_pos >= _text.Length) throw Error("unexpected end");
            return _text[_pos++];
        }

        FormatException Error(string problem) => new FormatException($"JSON at character {_pos}: {problem}");
    }
}
