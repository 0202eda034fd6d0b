using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resonance.Grains.Hosting;

namespace Resonance.Grains.Forecasting;

/// <summary>
/// The forecaster of one space. It exists only while someone asks: the first request trains a model from the space's
/// history; a grain timer then retrains every <see cref="ForecastOptions.RetrainInterval"/> when new history has arrived
/// (requests never train once a model exists), and after <see cref="ForecastOptions.KeepWarmFor"/> without a request
/// the timer stops and the grain deactivates. An idle or unwatched space therefore costs no forecasting CPU. Training
/// runs on the thread pool; requests interleave with the timer and are answered by the current model meanwhile.
/// </summary>
public sealed partial class ForecastGrain(IOptions<ForecastOptions> options, ILogger<ForecastGrain> logger) : Grain, IForecastGrain
{
    /// <summary>
    /// One training at a time per silo process: many asked-for spaces retraining in the same minute queue up instead of
    /// taking every core from the field's hot paths.
    /// </summary>
    private static readonly SemaphoreSlim TrainingSlot = new(1, 1);

    private SpaceForecaster? _model;
    private Task<SpaceForecaster?>? _training;
    private IGrainTimer? _timer;
    private DateTime _lastAskedUtc;
    private int _lastHistoryCount;

    private ForecastOptions Options => options.Value;

    private ISpaceGrain Space => GrainFactory.GetGrain<ISpaceGrain>(this.GetPrimaryKeyString());

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        GrainMetrics.Activated("forecast");
        if (!SpaceId.IsValid(this.GetPrimaryKeyString())) throw new ArgumentException($"Space id '{this.GetPrimaryKeyString()}' is invalid.");
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        GrainMetrics.Deactivated("forecast");
        return Task.CompletedTask;
    }

    public async Task<ForecastReport> Forecast(int horizonSeconds)
    {
        if (horizonSeconds < 1 || horizonSeconds > Options.MaxHorizon)
            throw new ArgumentOutOfRangeException(nameof(horizonSeconds), horizonSeconds, $"The horizon must be within [1, {Options.MaxHorizon}] seconds.");
        _lastAskedUtc = DateTime.UtcNow;
        _timer ??= this.RegisterGrainTimer(RetrainTick, new GrainTimerCreationOptions
        {
            DueTime = Options.RetrainInterval,
            Period = Options.RetrainInterval,
            Interleave = true,
        });

        string space = this.GetPrimaryKeyString();
        if (_model is null)
        {
            // No model yet: the one time a request waits for training (on the history it just read), for a bounded time.
            var history = await Space.GetMeasureHistory(Options.HistorySeconds);
            var training = TrainAsync(history);
            if (await Task.WhenAny(training, Task.Delay(Options.FirstTrainingWait)) != training)
            {
                // It goes on (and is logged if it fails); the next request finds the model or waits on the same training.
                _ = training.ContinueWith(static t => t.Exception, TaskContinuationOptions.OnlyOnFaulted);
                return SpaceForecaster.Training(space, history.Length, horizonSeconds, Options, DateTime.UtcNow);
            }
            var trained = await training;
            if (trained is null) return SpaceForecaster.Insufficient(space, history.Length, horizonSeconds, Options, DateTime.UtcNow);
            return trained.Report(space, history, horizonSeconds, Options, DateTime.UtcNow);
        }
        var recent = await Space.GetMeasureHistory(_model.Lookback);
        return _model.Report(space, recent, horizonSeconds, Options, DateTime.UtcNow);
    }

    private async Task RetrainTick(CancellationToken cancellationToken)
    {
        if (DateTime.UtcNow - _lastAskedUtc >= Options.KeepWarmFor)
        {
            _timer?.Dispose();
            _timer = null;
            LogCooling(this.GetPrimaryKeyString());
            DeactivateOnIdle();
            return;
        }
        var history = await Space.GetMeasureHistory(Options.HistorySeconds);
        // Nothing new (the space is idle): keep the model, spend nothing.
        if (_model is not null && history.Length > 0 && history[^1].UnixSecond == _model.LastSecond) return;
        if (history.Length == _lastHistoryCount && history.Length < Options.MinHistorySamples) return;
        await TrainAsync(history);
    }

    /// <summary>One training at a time; a request and the timer that both need one share it.</summary>
    private async Task<SpaceForecaster?> TrainAsync(MeasureSample[] history)
    {
        if (_training is null)
        {
            _lastHistoryCount = history.Length;
            var options = Options;
            _training = Task.Run(async () =>
            {
                await TrainingSlot.WaitAsync();
                try
                {
                    return SpaceForecaster.Train(history, options, DateTime.UtcNow);
                }
                finally
                {
                    TrainingSlot.Release();
                }
            });
        }
        var training = _training;
        try
        {
            var trained = await training;
            if (trained is not null)
            {
                _model = trained;
                LogTrained(this.GetPrimaryKeyString(), trained.HistorySamples, trained.TrainingRows, trained.TrainingMilliseconds);
            }
            return trained ?? _model;
        }
        catch (Exception e)
        {
            LogTrainingFailed(this.GetPrimaryKeyString(), e);
            throw;
        }
        finally
        {
            if (ReferenceEquals(_training, training)) _training = null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Forecast model of space {Space} trained on {Samples} s of history ({Rows} rows) in {Milliseconds:F0} ms")]
    private partial void LogTrained(string space, int samples, int rows, double milliseconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Training the forecast model of space {Space} failed")]
    private partial void LogTrainingFailed(string space, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Nobody asked for the forecast of space {Space} lately: it stops retraining and deactivates")]
    private partial void LogCooling(string space);
}
