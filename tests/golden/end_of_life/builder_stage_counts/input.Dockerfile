FROM ruby:2.7 AS gems
RUN bundle install

FROM ruby:3.4-slim
COPY --from=gems /usr/local/bundle /usr/local/bundle
